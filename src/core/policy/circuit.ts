/**
 * Circuit breaker (M. Nygard, "Release It!", 2007; https://martinfowler.com/bliki/CircuitBreaker.html):
 * `closed` lets calls through and counts their outcomes in a sliding window; when the failure rate
 * over the window passes the threshold it opens; `open` fails calls fast until `openMs` has passed;
 * then `half_open` lets one probe through: its outcome alone closes or reopens it.
 * The window is time-bucketed, as in resilience4j's time-based sliding window: ten buckets of
 * counts, so the state stays small and recording is O(1) however busy the agent is.
 * Outcomes may arrive one by one or as counts batched by a consumer: the window holds the same
 * totals either way, and the rate is judged on those totals only.
 *
 * Calls still in flight count as successes that have not arrived yet: batches may also say how
 * many calls were started (and abandoned, with no outcome), and the rate is judged over finished
 * plus pending calls. Fast failures otherwise outrun slow successes: in a 1,000-call fan-out where
 * 5 % of calls are reset at once and the rest answer in seconds, the first outcomes to arrive are
 * all failures, and a window of finished calls alone opens the circuit of a healthy agent.
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
  /**
   * How sure the window must make it that the agent's failure rate is at least `failureRate`: the
   * standard normal quantile z of a one-sided Wilson score bound (1.645 = 95 %). 0 or absent: the
   * observed rate alone decides. See {@link failingForSure}.
   */
  confidenceZ?: number;
}

/**
 * Opens when, over the last minute and 5 calls or more, the agent is 95 % sure to fail at least
 * half of its calls: 5 failures of 5 calls, 8 of 10, 14 of 20, 59 of 100, 527 of 1,000.
 */
export const DEFAULT_CIRCUIT: CircuitConfig = {
  windowMs: 60_000,
  minCalls: 5,
  failureRate: 0.5,
  openMs: 30_000,
  confidenceZ: 1.645,
};

/** Buckets per window. */
const BUCKETS = 10;

/** Outcomes counted in one time bucket starting at `at` (epoch ms). */
export interface Bucket {
  at: number;
  ok: number;
  failed: number;
  /** Calls started (admitted) while closed; absent: none reported. */
  started?: number;
  /** Calls started that ended with no outcome (the run abandoned them); absent: none. */
  abandoned?: number;
}

export interface CircuitState {
  state: 'closed' | 'open' | 'half_open';
  /** Counts per bucket in the window, oldest first. */
  buckets: Bucket[];
  openedAt?: number;
  /** When the half-open probe was let through (epoch ms). */
  probeAt?: number;
}

/** Outcomes of calls admitted while the circuit was closed, counted by a consumer and sent at once. */
export interface Outcomes {
  ok: number;
  failed: number;
  /** Calls started since the last batch (their outcomes come in this batch or later). */
  started?: number;
  /** Calls started that ended with no outcome to count (abandoned by their run). */
  abandoned?: number;
}

export const CLOSED: CircuitState = { state: 'closed', buckets: [] };

/** Whether a call may go through now; may move `open` to `half_open`. */
export function admit(
  c: CircuitState,
  now: number,
  config = DEFAULT_CIRCUIT,
): { state: CircuitState; allowed: boolean; retryAfterMs?: number } {
  if (c.state === 'closed') return { state: c, allowed: true };
  if (c.state === 'open') {
    const waited = now - (c.openedAt ?? now);
    if (waited < config.openMs) return { state: c, allowed: false, retryAfterMs: config.openMs - waited };
    return { state: { ...c, state: 'half_open', probeAt: now }, allowed: true };
  }
  // half_open: one probe at a time; a probe that never reported is replaced after openMs.
  if (c.probeAt !== undefined && now - c.probeAt < config.openMs)
    return { state: c, allowed: false, retryAfterMs: config.openMs - (now - c.probeAt) };
  return { state: { ...c, probeAt: now }, allowed: true };
}

/**
 * Records calls' outcomes; may open or close the circuit.
 * @param outcome one call's outcome (a boolean: in `half_open` it is the probe's, which closes or
 * reopens the circuit), or counts of calls admitted while it was closed: counted while `closed`,
 * ignored otherwise (calls started before it opened say nothing of the probe).
 */
export function record(
  c: CircuitState,
  outcome: boolean | Outcomes,
  now: number,
  config = DEFAULT_CIRCUIT,
): CircuitState {
  const single = typeof outcome === 'boolean';
  const add: Bucket = single
    ? { at: 0, ok: outcome ? 1 : 0, failed: outcome ? 0 : 1 }
    : {
        at: 0,
        ok: count(outcome.ok),
        failed: count(outcome.failed),
        started: count(outcome.started),
        abandoned: count(outcome.abandoned),
      };
  if (c.state === 'half_open')
    return !single ? c : outcome ? { ...CLOSED } : { state: 'open', buckets: [], openedAt: now };
  if (c.state === 'open' || add.ok + add.failed + (add.started ?? 0) + (add.abandoned ?? 0) === 0) return c;
  const width = config.windowMs / BUCKETS;
  const start = now - (now % width);
  const buckets = inWindow(c.buckets, now, config);
  const last = buckets.at(-1);
  if (last?.at === start) buckets[buckets.length - 1] = added(last, add);
  else buckets.push(added({ at: start, ok: 0, failed: 0 }, add));
  const { calls, failed, pending } = totals(buckets);
  if (calls >= config.minCalls && failingForSure(failed, calls + pending, config))
    return { state: 'open', buckets: [], openedAt: now };
  return { state: 'closed', buckets };
}

/** `b` with `add`'s counts added; `started` and `abandoned` are kept only when not 0. */
function added(b: Bucket, add: Bucket): Bucket {
  const sum: Bucket = { at: b.at, ok: b.ok + add.ok, failed: b.failed + add.failed };
  const started = (b.started ?? 0) + (add.started ?? 0);
  const abandoned = (b.abandoned ?? 0) + (add.abandoned ?? 0);
  if (started) sum.started = started;
  if (abandoned) sum.abandoned = abandoned;
  return sum;
}

/**
 * Whether `failed` of `calls` show a failure rate of at least `config.failureRate`: the observed
 * rate reaches it and, with `confidenceZ`, so does the lower Wilson score bound (E. B. Wilson,
 * JASA 22, 1927; https://en.wikipedia.org/wiki/Binomial_proportion_confidence_interval#Wilson_score_interval).
 * With 5 calls at least and the bare rate, a 30 %-failing agent reaches 50 % by chance in about a
 * third of its fresh windows; with z = 1.645 in under 1 %, while 5 failures of 5 still open it.
 */
export function failingForSure(failed: number, calls: number, config: CircuitConfig): boolean {
  if (calls <= 0 || failed / calls < config.failureRate) return false;
  const z = config.confidenceZ ?? 0;
  if (z <= 0) return true;
  const p = failed / calls;
  const z2 = z * z;
  const lower =
    (p + z2 / (2 * calls) - z * Math.sqrt((p * (1 - p)) / calls + z2 / (4 * calls * calls))) / (1 + z2 / calls);
  return lower >= config.failureRate;
}

/** A readable summary: state, calls finished, failure rate and calls in flight in the window. */
export function summary(c: CircuitState, now: number, config = DEFAULT_CIRCUIT) {
  const { calls, failed, pending } = totals(inWindow(c.buckets ?? [], now, config));
  return {
    state: c.state,
    calls,
    failureRate: calls ? failed / calls : 0,
    inFlight: pending,
    openedAt: c.openedAt ? new Date(c.openedAt).toISOString() : null,
  };
}

/** A count from a report: a whole number ≥ 0 (anything else counts as 0). */
function count(n: number | undefined): number {
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function inWindow(buckets: Bucket[] | undefined, now: number, config: CircuitConfig): Bucket[] {
  return (buckets ?? []).filter((b) => now - b.at < config.windowMs);
}

/**
 * Finished calls, failed ones, and calls pending: started in the window with no outcome or
 * abandonment yet (0 when outcomes of calls started before the window outnumber them).
 */
function totals(buckets: Bucket[]): { calls: number; failed: number; pending: number } {
  let ok = 0;
  let failed = 0;
  let started = 0;
  let abandoned = 0;
  for (const b of buckets) {
    ok += b.ok;
    failed += b.failed;
    started += b.started ?? 0;
    abandoned += b.abandoned ?? 0;
  }
  return { calls: ok + failed, failed, pending: Math.max(0, started - ok - failed - abandoned) };
}
