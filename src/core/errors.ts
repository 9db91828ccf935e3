import type { ErrorCode, Issue } from '../schemas/errors';

/**
 * The one error type Baton throws across layers (HTTP, triggers, runtime). `code` is closed;
 * `src/http/errors.ts` maps it to an HTTP status. Inside the engine, failures are values instead.
 */
export class BatonError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { issues?: Issue[]; [key: string]: unknown },
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'BatonError';
  }
}
