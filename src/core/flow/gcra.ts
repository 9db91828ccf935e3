/**
 * GCRA, the generic cell rate algorithm (ITU-T I.371 Annex A, the "virtual scheduling" form;
 * https://www.itu.int/rec/T-REC-I.371 and https://en.wikipedia.org/wiki/Generic_cell_rate_algorithm):
 * one stored number, the theoretical arrival time (TAT), spreads starts to `limit` per `period`
 * with up to `burst` back to back. Pure: the caller passes `now`.
 */

/** A throttle's rate: `limit` starts per `periodMs`, `burst` of them back to back (default 1). */
export interface GcraRate {
  limit: number;
  /** ms */
  periodMs: number;
  burst?: number;
}

/** The emission interval (ms between two starts at the steady rate) and the burst tolerance (ms). */
export function gcraParams(rate: GcraRate): { intervalMs: number; toleranceMs: number } {
  const intervalMs = rate.periodMs / Math.max(1, rate.limit);
  return { intervalMs, toleranceMs: intervalMs * (Math.max(1, rate.burst ?? 1) - 1) };
}

/**
 * Decides one start at `now` (epoch ms) given the stored TAT (null: never started).
 * @returns `allowed` with the new TAT to store, or the earliest time (epoch ms) the start conforms.
 */
export function gcraDecide(
  tat: number | null,
  now: number,
  rate: GcraRate,
): { allowed: true; tat: number } | { allowed: false; at: number } {
  const { intervalMs, toleranceMs } = gcraParams(rate);
  // A start less than one interval late (an alarm's lateness while a backlog drains) advances from
  // the TAT, so lateness does not add up; after a longer idle time the schedule starts again from now.
  const current = tat === null || now - tat >= intervalMs ? now : tat;
  const at = current - toleranceMs;
  if (at > now) return { allowed: false, at: Math.ceil(at) };
  return { allowed: true, tat: current + intervalMs };
}
