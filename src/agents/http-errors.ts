import type { StepError } from '../schemas/errors';
import { outboundUrlProblem } from '../schemas/outbound-url';

/**
 * The failure of a call whose URL the outbound URL policy refuses (`url_not_allowed`, not
 * retryable: the same URL will be refused again), or null when the URL may be called.
 * @param field where the URL came from, e.g. `http.url`, for the message.
 */
export function urlRefused(field: string, url: string): { ok: false; error: StepError } | null {
  const problem = typeof url === 'string' ? outboundUrlProblem(url) : `expected a URL string, got ${typeof url}`;
  return problem
    ? {
        ok: false,
        error: {
          code: 'url_not_allowed',
          message: `${field} '${String(url).slice(0, 200)}': ${problem}`,
          retryable: false,
        },
      }
    : null;
}

/**
 * Delay a `Retry-After` header asks for, in ms: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * @returns undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies a non-2xx answer of an agent or tool (CONTRACT.md "Agents"): 408, 429 and 5xx are
 * retryable (429 honours `Retry-After`), other statuses are not.
 */
export function httpFailure(response: Response, body: string): StepError {
  const status = response.status;
  const snippet = body.slice(0, 300);
  const retryable = status === 408 || status === 429 || status >= 500;
  const error: StepError = {
    code: status === 429 ? 'rate_limited' : 'agent_error',
    message: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
    retryable,
  };
  const wait = retryable ? retryAfterMs(response.headers.get('retry-after')) : undefined;
  if (wait !== undefined) error.retryAfterMs = wait;
  return error;
}

/** The failure of a call cut off by the step's timeout: the same code the engine's timer gives (retryable). */
export const TIMEOUT_FAILURE: StepError = {
  code: 'timeout',
  message: 'the agent did not answer before the step timeout',
  retryable: true,
};

/** Classifies a thrown fetch error: an abort is a `timeout`, anything else a `network_error`; both retryable. */
export function thrownFailure(err: unknown, signal: AbortSignal): StepError {
  if (signal.aborted) return { ...TIMEOUT_FAILURE };
  return { code: 'network_error', message: (err as Error)?.message ?? String(err), retryable: true };
}

/** Reads a response body as text, bounded, never throwing. */
export async function safeText(response: Response, limit = 4 * 1024 * 1024): Promise<string> {
  try {
    const text = await response.text();
    return text.length > limit ? text.slice(0, limit) : text;
  } catch {
    return '';
  }
}
