import { z } from 'zod';
import { ErrorCode } from './enums';

export { ErrorCode };

/** One problem in a request or definition, located by a path such as `steps[1].input`. */
export const Issue = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof Issue>;

/** A failure recorded on a step attempt or a run. `retryable` drives the retry policy. */
export const StepError = z.object({
  code: ErrorCode,
  message: z.string(),
  retryable: z.boolean().default(false),
  /** Minimum wait before the next attempt, e.g. from a `Retry-After` header (ms). */
  retryAfterMs: z.number().int().nonnegative().optional(),
  stepId: z.string().optional(),
  /** More about the failure, e.g. `{ issues: [{ path, message }] }` for `invalid_output`. */
  details: z.object({ issues: z.array(Issue).optional() }).optional(),
});
export type StepError = z.infer<typeof StepError>;
