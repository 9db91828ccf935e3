import type { Usage } from '../../core/engine/types';
import type { StepError } from '../../schemas/errors';
import { TIMEOUT_FAILURE, httpFailure, safeText, thrownFailure } from '../http-errors';
import type { AgentHost } from '../types';

/** Largest model response body read, bytes. */
export const MAX_MODEL_BODY_BYTES = 4 * 1024 * 1024;

/** What one POST to a model API gave: the parsed 2xx JSON body, or the classified failure (with the error body, parsed when it is JSON). */
export type ModelHttpResult = { ok: true; body: unknown } | { ok: false; error: StepError; body?: unknown };

/**
 * POSTs a JSON request to a model API and classifies the outcome once: a thrown fetch is a
 * `network_error` (or `timeout` when `signal` aborted), a non-2xx answer goes through `httpFailure`
 * (408, 429, 5xx including Anthropic's 529 `overloaded` retryable, `Retry-After` honoured), a 2xx
 * body that is not JSON is `agent_bad_response` (not retryable). Never throws.
 */
export async function postModel(
  host: AgentHost,
  url: string,
  headers: Record<string, string>,
  payload: unknown,
  signal: AbortSignal,
): Promise<ModelHttpResult> {
  let response: Response;
  try {
    response = await host.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
      signal,
    });
  } catch (err) {
    return { ok: false, error: thrownFailure(err, signal) };
  }
  const text = await safeText(response, MAX_MODEL_BODY_BYTES);
  if (signal.aborted) return { ok: false, error: { ...TIMEOUT_FAILURE } };
  const body = parseJson(text);
  if (!response.ok) return { ok: false, error: httpFailure(response, text), body };
  if (body === undefined) return { ok: false, error: badResponse(`expected a JSON body, got: ${text.slice(0, 200)}`) };
  return { ok: true, body };
}

/** The failure of a 2xx answer that is not what the API promises (not retryable: the same model would answer alike). */
export function badResponse(message: string): StepError {
  return { code: 'agent_bad_response', message, retryable: false };
}

/** A model result failing with `agent_bad_response`, keeping the usage the body reported. */
export function failedReply(message: string, usage: Usage | undefined): { ok: false; error: StepError; usage?: Usage } {
  return { ok: false, error: badResponse(message), ...usageField(usage) };
}

/** `{ usage }` when there is one, else nothing (so results carry no `usage: undefined`). */
export function usageField(usage: Usage | undefined): { usage?: Usage } {
  return usage ? { usage } : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
