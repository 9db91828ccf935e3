/**
 * Circuit breaker (M. Nygard, "Release It!", 2007; https://martinfowler.com/bliki/CircuitBreaker.html):
 * `closed` lets calls through and counts their outcomes in a sliding window; when the failure rate
 * over the window passes the threshold it opens; `open` fails calls fast until `openMs` has passed;
 * then `half_open` lets one probe through: success closes it, failure opens it again.
 * The window is time-bucketed, as in resilience4j's time-based sliding window: ten buckets of
 * counts, so the state stays small and recording is O(1) however busy the agent is.
 */

export interface CircuitConfig {
  /** Sliding window of outcomes, ms. */
  windowMs: number;
  /** Fewest calls in the window before the rate counts. */
  minCalls: number;
  /** Failure rate (0–1) that opens the circuit. */
  failureRate: number;
  /** How long an open circuit fails fast before a probe, ms. */
  openMs: number;
}

export const DEFAULT_CIRCUIT: CircuitConfig = { windowMs: 60_000, minCalls: 5, failureRate: 0.5, openMs: 30_000 };

/** Buckets per window. */
const BUCKETS = 10;

/** Outcomes counted in one time bucket starting at `at` (epoch ms). */
export interface Bucket {
  at: number;
  ok: number;
  failed: number;
}

export interface CircuitState {
  state: 'closed' | 'open' | 'half_open';
  /** Counts per bucket in the window, oldest first. */
  buckets: Bucket[];
  openedAt?: number;
  /** When the half-open probe was let through (epoch ms). */
  probeAt?: number;
}

/** Outcomes to record at once: a consumer may batch its successes. */
export interface Outcomes {
  ok: number;
  failed: number;
}

export const CLOSED: CircuitState = { state: 'closed', buckets: [] };

/** Whether a call may go through now; may move `open` to `half_open`. */
export function admit(c: CircuitState, now: number, config = DEFAULT_CIRCUIT): { state: CircuitState; allowed: boolean; retryAfterMs?: number } {
  if (c.state === 'closed') return { state: c, allowed: true };
  if (c.state === 'open') {
    const waited = now - (c.openedAt ?? now);
    if (waited < config.openMs) return { state: c, allowed: false, retryAfterMs: config.openMs - waited };
    return { state: { ...c, state: 'half_open', probeAt: now }, allowed: true };
  }
  // half_open: one probe at a time; a probe that never reported is replaced after openMs.
  if (c.probeAt !== undefined && now - c.probeAt < config.openMs) return { state: c, allowed: false, retryAfterMs: config.openMs - (now - c.probeAt) };
  return { state: { ...c, probeAt: now }, allowed: true };
}

/** Records calls' outcomes (one boolean, or counts); may open or close the circuit. */
export function record(c: CircuitState, outcome: boolean | Outcomes, now: number, config = DEFAULT_CIRCUIT): CircuitState {
  const add = typeof outcome === 'boolean' ? { ok: outcome ? 1 : 0, failed: outcome ? 0 : 1 } : outcome;
  if (c.state === 'half_open') return add.failed ? { state: 'open', buckets: [], openedAt: now } : add.ok ? { ...CLOSED } : c;
  if (c.state === 'open') return c;
  const width = config.windowMs / BUCKETS;
  const start = now - (now % width);
  const buckets = inWindow(c.buckets, now, config);
  const last = buckets.at(-1);
  if (last?.at === start) buckets[buckets.length - 1] = { at: start, ok: last.ok + add.ok, failed: last.failed + add.failed };
  else buckets.push({ at: start, ...add });
  const { calls, failed } = totals(buckets);
  if (calls >= config.minCalls && failed / calls >= config.failureRate) return { state: 'open', buckets: [], openedAt: now };
  return { state: 'closed', buckets };
}

/** A readable summary: state, calls and failure rate in the window. */
export function summary(c: CircuitState, now: number, config = DEFAULT_CIRCUIT) {
  const { calls, failed } = totals(inWindow(c.buckets ?? [], now, config));
  return {
    state: c.state,
    calls,
    failureRate: calls ? failed / calls : 0,
    openedAt: c.openedAt ? new Date(c.openedAt).toISOString() : null,
  };
}

function inWindow(buckets: Bucket[] | undefined, now: number, config: CircuitConfig): Bucket[] {
  return (buckets ?? []).filter((b) => now - b.at < config.windowMs);
}

function totals(buckets: Bucket[]): { calls: number; failed: number } {
  let ok = 0;
  let failed = 0;
  for (const b of buckets) {
    ok += b.ok;
    failed += b.failed;
  }
  return { calls: ok + failed, failed };
}
