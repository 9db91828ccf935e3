import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BatonError } from '../core/errors';
import { retryAfterSeconds } from '../core/flow/retry-after';
import type { ErrorCode } from '../schemas/errors';

/** HTTP status of each error code. */
export const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  bad_request: 400,
  invalid_definition: 400,
  payload_too_large: 413,
  internal_error: 500,
  agent_not_found: 502,
  agent_error: 502,
  agent_bad_response: 502,
  network_error: 502,
  timeout: 504,
  rate_limited: 429,
  expression_error: 400,
  secret_not_found: 500,
  secret_unreadable: 500,
  secret_host_denied: 403,
  // Step and run outcomes: recorded on steps and runs, not thrown by a route; statuses for completeness.
  url_not_allowed: 400,
  tool_error: 502,
  invalid_output: 502,
  circuit_open: 503,
  no_agent: 503,
  agent_offline: 503,
  budget_exceeded: 402,
  rejected: 409,
  run_timeout: 504,
  limit_exceeded: 400,
  parallel_failed: 500,
  child_failed: 500,
  start_failed: 500,
  cancelled: 409,
};

/** Answers an error as CONTRACT.md's JSON `{ error: { code, message, details? } }`. */
export function errorResponse(c: Context, err: unknown): Response {
  if (err instanceof BatonError) {
    const body = { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
    const retryAfter = err.code === 'rate_limited' ? retryAfterSeconds(err.details) : undefined;
    if (retryAfter !== undefined) c.header('Retry-After', String(retryAfter));
    return c.json(body, STATUS_OF[err.code]);
  }
  // Hono's own client errors (a body that is not JSON, a form that does not parse): the client's fault.
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    const code: ErrorCode =
      err.status === 413 ? 'payload_too_large' : err.status === 401 ? 'unauthorized' : 'bad_request';
    return c.json({ error: { code, message: err.message || 'bad request' } }, err.status);
  }
  console.error(`${c.req.method} ${c.req.path} failed`, err);
  return c.json({ error: { code: 'internal_error', message: 'internal error; see the Worker logs' } }, 500);
}
