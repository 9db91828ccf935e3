import { TIMEOUT_FAILURE, httpFailure, safeText, thrownFailure, urlRefused } from './http-errors';
import type { AgentHost, AgentResult } from './types';

/** The rendered `http:` block of a step. */
export interface HttpStepInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Largest response body kept as the step output, bytes (characters of text). */
export const MAX_HTTP_BODY = 1024 * 1024;

/**
 * An `http:` step: one request; the output is `{ status, headers, body }` (body parsed when JSON).
 * Failures are classified like the http agent's: network errors, timeouts, 408, 429 and 5xx are
 * retryable, other non-2xx statuses are not. Objects in `body` are sent as JSON.
 */
export async function runHttpStep(
  input: HttpStepInput,
  signal: AbortSignal,
  host: AgentHost,
  idempotencyKey: string,
): Promise<AgentResult> {
  const refused = urlRefused('http.url', input.url);
  if (refused) return refused;
  const url = new URL(input.url);
  const headers: Record<string, string> = { 'idempotency-key': idempotencyKey, ...input.headers };
  let body: string | undefined;
  if (input.body !== undefined && input.body !== null && !['GET', 'HEAD'].includes(input.method)) {
    if (typeof input.body === 'string') body = input.body;
    else {
      body = JSON.stringify(input.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  let response: Response;
  try {
    response = await host.fetch(url, { method: input.method, headers, body, signal });
  } catch (err) {
    return { ok: false, error: thrownFailure(err, signal) };
  }
  const text = await safeText(response, MAX_HTTP_BODY);
  if (signal.aborted) return { ok: false, error: { ...TIMEOUT_FAILURE } };
  if (!response.ok) return { ok: false, error: httpFailure(response, text) };
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { ok: true, output: { status: response.status, headers: Object.fromEntries(response.headers), body: parsed } };
}
