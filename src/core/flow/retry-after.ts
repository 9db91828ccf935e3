/**
 * The `Retry-After` value (RFC 9110 §10.2.3: whole seconds, rounded up, at least 1) of a
 * `rate_limited` error's `details.retryAfterMs`. @returns undefined when the details carry none.
 */
export function retryAfterSeconds(details: unknown): number | undefined {
  const ms = (details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1000)) : undefined;
}
