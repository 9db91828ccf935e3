import { describe, expect, it } from 'vitest';
import {
  admit,
  CLOSED,
  DEFAULT_CIRCUIT,
  failingForSure,
  record,
  summary,
  type CircuitState,
  type Outcomes,
} from '../../src/core/policy/circuit';

const config = { windowMs: 1000, minCalls: 4, failureRate: 0.5, openMs: 500 };
const feed = (outcomes: boolean[], start = 0) =>
  outcomes.reduce<CircuitState>((c, ok, i) => record(c, ok, start + i, config), CLOSED);

describe('circuit breaker', () => {
  it('stays closed below the minimum number of calls or under the failure rate', () => {
    expect(feed([false, false, false]).state).toBe('closed');
    expect(feed([true, true, false, true, false]).state).toBe('closed');
  });

  it('opens at the failure rate and fails fast, telling how long to wait', () => {
    const open = feed([true, false, false, true]);
    expect(open).toMatchObject({ state: 'open', openedAt: 3 });
    expect(admit(open, 103, config)).toMatchObject({ allowed: false, retryAfterMs: 400 });
  });

  it('forgets outcomes older than the window', () => {
    const old = feed([false, false, false]);
    expect(record(old, false, 5000, config).state).toBe('closed');
  });

  it('after openMs lets one probe through; success closes, failure reopens', () => {
    const open = feed([false, false, false, false]);
    const probe = admit(open, 600, config);
    expect(probe).toMatchObject({ allowed: true, state: { state: 'half_open', probeAt: 600 } });
    expect(admit(probe.state, 650, config).allowed).toBe(false);
    expect(record(probe.state, true, 700, config)).toEqual({ state: 'closed', buckets: [] });
    expect(record(probe.state, false, 700, config)).toMatchObject({ state: 'open', openedAt: 700 });
  });

  it('counts batched outcomes like single ones, in time buckets of a tenth of the window', () => {
    const batched = record(CLOSED, { ok: 7, failed: 2 }, 50, config);
    expect(batched).toEqual({ state: 'closed', buckets: [{ at: 0, ok: 7, failed: 2 }] });
    const later = record(batched, { ok: 0, failed: 3 }, 150, config);
    expect(later.buckets).toEqual([
      { at: 0, ok: 7, failed: 2 },
      { at: 100, ok: 0, failed: 3 },
    ]);
    expect(record(later, { ok: 0, failed: 3 }, 160, config)).toMatchObject({ state: 'open', openedAt: 160 });
    expect(summary(later, 1050, config)).toMatchObject({ calls: 3, failureRate: 1 });
  });

  it('summarises the window', () => {
    expect(summary(feed([true, false]), 10, config)).toEqual({
      state: 'closed',
      calls: 2,
      failureRate: 0.5,
      inFlight: 0,
      openedAt: null,
    });
  });

  it('counts calls in flight as successes to come: fast failures among slow successes do not open it', () => {
    // A 1,000-call fan-out: the first batch back holds only the 15 calls reset at once.
    const started = record(CLOSED, { ok: 0, failed: 0, started: 1000 }, 10, DEFAULT_CIRCUIT);
    const early = record(started, { ok: 0, failed: 15 }, 20, DEFAULT_CIRCUIT);
    expect(early.state).toBe('closed');
    expect(summary(early, 20)).toMatchObject({ calls: 15, failureRate: 1, inFlight: 985 });
    // Without the starts, the same 15 failures open it.
    expect(record(CLOSED, { ok: 0, failed: 15 }, 20, DEFAULT_CIRCUIT).state).toBe('open');
    // The pending calls failing too opens it, as soon as the rate over finished and pending calls reaches it.
    let c = early;
    let failed = 15;
    while (c.state === 'closed' && failed < 1000) {
      c = record(c, { ok: 0, failed: 50 }, 30, DEFAULT_CIRCUIT);
      failed += 50;
    }
    expect(c.state).toBe('open');
    expect(failed).toBeLessThan(700);
    expect(failingForSure(failed - 50, 1000, DEFAULT_CIRCUIT)).toBe(false);
  });

  it('calls abandoned with no outcome leave the calls in flight; outcomes of calls started before the window count none', () => {
    const c = record(CLOSED, { ok: 0, failed: 0, started: 10 }, 0, config);
    const after = record(c, { ok: 1, failed: 1, abandoned: 5 }, 10, config);
    expect(summary(after, 10, config)).toMatchObject({ calls: 2, inFlight: 3 });
    expect(after.buckets).toEqual([{ at: 0, ok: 1, failed: 1, started: 10, abandoned: 5 }]);
    // The starts aged out of the window: their late outcomes make the calls in flight 0, not negative.
    const late = record(after, { ok: 3, failed: 0 }, 1005, config);
    expect(summary(late, 1005, config)).toMatchObject({ calls: 3, failureRate: 0, inFlight: 0 });
    expect(record(late, { ok: 0, failed: 4 }, 1010, config).state).toBe('open');
  });

  it('in half_open only the probe decides: batched counts of calls started before it opened neither close nor reopen it', () => {
    const probe = admit(feed([false, false, false, false]), 600, config).state;
    expect(record(probe, { ok: 9, failed: 1 }, 650, config)).toBe(probe);
    expect(record(probe, { ok: 3, failed: 0 }, 650, config)).toBe(probe);
    expect(record(record(probe, { ok: 0, failed: 4 }, 650, config), true, 700, config).state).toBe('closed');
  });

  it('ignores counts that are not whole numbers ≥ 0', () => {
    expect(record(CLOSED, { ok: -5, failed: 0.5 } as Outcomes, 10, config)).toBe(CLOSED);
    expect(record(CLOSED, { ok: 2, failed: Number.NaN }, 10, config).buckets).toEqual([{ at: 0, ok: 2, failed: 0 }]);
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A seeded generator (mulberry32), so the random sequences are the same at every test run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Feeds `calls` outcomes failing at `rate`, 10 ms apart, in batches of 1 to `maxBatch`. @returns when it opened (call index), or -1. */
function openedAt(rate: number, calls: number, maxBatch: number, seed: number, config = DEFAULT_CIRCUIT): number {
  const random = seeded(seed);
  let c = CLOSED;
  for (let i = 0; i < calls; ) {
    const size = Math.min(calls - i, 1 + Math.floor(random() * maxBatch));
    const batch = { ok: 0, failed: 0 };
    for (let k = 0; k < size; k++) batch[random() < rate ? 'failed' : 'ok']++;
    i += size;
    c = size === 1 ? record(c, batch.ok === 1, i * 10, config) : record(c, batch, i * 10, config);
    if (c.state === 'open') return i;
  }
  return -1;
}

describe('the default circuit: at least half of the calls in a minute fail, and that is no chance', () => {
  it('opens at 5 failures of 5, 8 of 10, 14 of 20, 59 of 100; not one below', () => {
    for (const [failed, calls] of [
      [5, 5],
      [8, 10],
      [14, 20],
      [59, 100],
      [527, 1000],
    ] as const) {
      expect(failingForSure(failed, calls, DEFAULT_CIRCUIT)).toBe(true);
      expect(failingForSure(failed - 1, calls, DEFAULT_CIRCUIT)).toBe(false);
    }
    expect(record(CLOSED, { ok: 2, failed: 3 }, 0).state).toBe('closed');
    expect(record(CLOSED, { ok: 0, failed: 5 }, 0).state).toBe('open');
  });

  it('a 30 %-failing agent opens it by chance in under 2 % of fresh windows, however batched (the plain rate: a third)', () => {
    const plain = { ...DEFAULT_CIRCUIT, confidenceZ: 0 };
    const share = (config: typeof DEFAULT_CIRCUIT, maxBatch: number) =>
      range(1000).filter((seed) => openedAt(0.3, 300, maxBatch, seed, config) > 0).length / 1000;
    expect(share(DEFAULT_CIRCUIT, 1)).toBeLessThan(0.02);
    expect(share(DEFAULT_CIRCUIT, 40)).toBeLessThan(0.02);
    expect(share(plain, 1)).toBeGreaterThan(0.25);
  });

  it('an agent that fails most calls opens it soon, however batched; one that always fails at the fifth call', () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(openedAt(0.8, 2000, 1, seed)).toBeGreaterThan(0);
      expect(openedAt(0.8, 2000, 1, seed)).toBeLessThanOrEqual(60);
      expect(openedAt(0.8, 2000, 20, seed)).toBeGreaterThan(0);
    }
    expect(openedAt(1, 100, 1, 1)).toBe(5);
  });
});
