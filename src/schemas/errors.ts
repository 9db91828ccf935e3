import { z } from 'zod';

/**
 * Closed set of error codes Baton answers with, in HTTP bodies (`{ error: { code } }`), in step and
 * run errors, and in recorded messages. `src/http/errors.ts` maps each to an HTTP status.
 */
export const ErrorCode = z.enum([
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'bad_request',
  'invalid_definition',
  'payload_too_large',
  'internal_error',
  // step / agent failures
  'agent_not_found',
  'agent_error',
  'agent_bad_response',
  'network_error',
  'timeout',
  'rate_limited',
  'expression_error',
  'secret_not_found',
  'secret_unreadable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One problem in a request or definition, located by a path such as `steps[1].input`. */
export const Issue = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof Issue>;

/** The JSON shape of every error response (CONTRACT.md "Errors"). */
export const ErrorBody = z.object({
  error: z.object({ code: ErrorCode, message: z.string(), details: z.unknown().optional() }),
});

/** A failure recorded on a step attempt or a run. `retryable` drives the retry policy. */
export const StepError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean().default(false),
  /** Minimum wait before the next attempt, e.g. from a `Retry-After` header (ms). */
  retryAfterMs: z.number().int().nonnegative().optional(),
  stepId: z.string().optional(),
});
export type StepError = z.infer<typeof StepError>;
