/**
 * Circuit breaker (M. Nygard, "Release It!", 2007; https://martinfowler.com/bliki/CircuitBreaker.html):
 * `closed` lets calls through and records their outcomes in a sliding window; when the failure rate
 * over the window passes the threshold it opens; `open` fails calls fast until `openMs` has passed;
 * then `half_open` lets one probe through: success closes it, failure opens it again.
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

export interface CircuitState {
  state: 'closed' | 'open' | 'half_open';
  /** Outcomes in the window: epoch ms and whether the call succeeded. */
  outcomes: { at: number; ok: boolean }[];
  openedAt?: number;
  /** When the half-open probe was let through (epoch ms). */
  probeAt?: number;
}

export const CLOSED: CircuitState = { state: 'closed', outcomes: [] };

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

/** Records a call's outcome; may open or close the circuit. */
export function record(c: CircuitState, ok: boolean, now: number, config = DEFAULT_CIRCUIT): CircuitState {
  if (c.state === 'half_open') return ok ? { ...CLOSED } : { state: 'open', outcomes: [], openedAt: now };
  if (c.state === 'open') return c;
  const outcomes = [...c.outcomes.filter((o) => now - o.at < config.windowMs), { at: now, ok }];
  const failures = outcomes.filter((o) => !o.ok).length;
  if (outcomes.length >= config.minCalls && failures / outcomes.length >= config.failureRate) return { state: 'open', outcomes: [], openedAt: now };
  return { state: 'closed', outcomes };
}

/** A readable summary: state, calls and failure rate in the window. */
export function summary(c: CircuitState, now: number, config = DEFAULT_CIRCUIT) {
  const recent = c.outcomes.filter((o) => now - o.at < config.windowMs);
  const failures = recent.filter((o) => !o.ok).length;
  return {
    state: c.state,
    calls: recent.length,
    failureRate: recent.length ? failures / recent.length : 0,
    openedAt: c.openedAt ? new Date(c.openedAt).toISOString() : null,
  };
}
