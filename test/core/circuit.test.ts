import { describe, expect, it } from 'vitest';
import { admit, CLOSED, record, summary, type CircuitState } from '../../src/core/policy/circuit';

const config = { windowMs: 1000, minCalls: 4, failureRate: 0.5, openMs: 500 };
const feed = (outcomes: boolean[], start = 0) => outcomes.reduce<CircuitState>((c, ok, i) => record(c, ok, start + i, config), CLOSED);

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
    expect(later.buckets).toEqual([{ at: 0, ok: 7, failed: 2 }, { at: 100, ok: 0, failed: 3 }]);
    expect(record(later, { ok: 0, failed: 3 }, 160, config)).toMatchObject({ state: 'open', openedAt: 160 });
    expect(summary(later, 1050, config)).toMatchObject({ calls: 3, failureRate: 1 });
  });

  it('summarises the window', () => {
    expect(summary(feed([true, false]), 10, config)).toEqual({ state: 'closed', calls: 2, failureRate: 0.5, openedAt: null });
  });
});
