import { describe, expect, it } from 'vitest';
import { parseDefinitionText, validateDefinition } from '../../src/core/definition';
import { gcraDecide } from '../../src/core/flow/gcra';
import { flowPlan, holdsOf, waitingGates } from '../../src/core/flow/plan';
import { retryAfterSeconds } from '../../src/core/flow/retry-after';
import type { WorkflowDefinition } from '../../src/schemas/definition';

const STEPS = 'steps: [ { id: a, http: { url: "https://example.com" } } ]';

function issuesOf(yaml: string) {
  const parsed = parseDefinitionText(yaml);
  if (!('value' in parsed)) throw new Error('the test YAML does not parse');
  const result = validateDefinition(parsed.value);
  return result.ok ? [] : result.issues;
}

describe('GCRA (ITU-T I.371 virtual scheduling)', () => {
  it('limit 2 per 2 s, burst 1: one start per second, excess ones conform later', () => {
    const rate = { limit: 2, periodMs: 2_000 };
    const first = gcraDecide(null, 10_000, rate);
    expect(first).toEqual({ allowed: true, tat: 11_000 });
    expect(gcraDecide(11_000, 10_000, rate)).toEqual({ allowed: false, at: 11_000 });
    expect(gcraDecide(11_000, 10_999, rate)).toEqual({ allowed: false, at: 11_000 });
    expect(gcraDecide(11_000, 11_000, rate)).toEqual({ allowed: true, tat: 12_000 });
    // Idle time is not saved up beyond the burst.
    expect(gcraDecide(12_000, 60_000, rate)).toEqual({ allowed: true, tat: 61_000 });
  });

  it('burst 1: a backlog drained by late alarms keeps the rate (lateness under one interval does not add up)', () => {
    const rate = { limit: 10, periodMs: 1_000 }; // one start per 100 ms
    let tat: number | null = null;
    let now = 0;
    for (let i = 0; i < 50; i++) {
      let d = gcraDecide(tat, now, rate);
      if (!d.allowed) {
        now = d.at + 30; // every alarm fires 30 ms late
        d = gcraDecide(tat, now, rate);
      }
      expect(d.allowed).toBe(true);
      tat = d.allowed ? d.tat : tat;
    }
    // 50 starts at 100 ms apart: the last one at about 4.9 s, not 50 × 130 ms = 6.4 s.
    expect(now).toBeLessThan(5_000);
    expect(tat).toBe(5_000);
  });

  it('burst 3: three back to back, the fourth one interval after the first', () => {
    const rate = { limit: 10, periodMs: 1_000, burst: 3 };
    let tat: number | null = null;
    for (let i = 0; i < 3; i++) {
      const d = gcraDecide(tat, 0, rate);
      expect(d.allowed).toBe(true);
      tat = d.allowed ? d.tat : tat;
    }
    expect(gcraDecide(tat, 0, rate)).toEqual({ allowed: false, at: 100 });
    expect(gcraDecide(tat, 100, rate).allowed).toBe(true);
  });

  it('Retry-After is whole seconds rounded up, at least 1', () => {
    expect(retryAfterSeconds({ retryAfterMs: 1 })).toBe(1);
    expect(retryAfterSeconds({ retryAfterMs: 20_001 })).toBe(21);
    expect(retryAfterSeconds({})).toBeUndefined();
    expect(retryAfterSeconds(undefined)).toBeUndefined();
  });
});

describe('flow plan: the gates of a start, in order', () => {
  it('rate_limit → singleton → concurrency[0..] → throttle, keys rendered, holds for the holding rules', async () => {
    const def = {
      name: 'w',
      throttle: { limit: 5, period: '1m', key: 't' },
      concurrency: [{ limit: 2, key: 'c' }, { limit: 9 }],
      singleton: { mode: 'skip' },
      rate_limit: { limit: 3, period: '1m' },
      steps: [],
    } as unknown as WorkflowDefinition;
    const plan = await flowPlan(def, 'ten', 'w', async ({ template }) => template ?? '');
    expect(plan.map((s) => s.object)).toEqual([
      'ten:w:rate_limit:',
      'ten:w:singleton:',
      'ten:w:concurrency[0]:c',
      'ten:w:concurrency[1]:',
      'ten:w:throttle:t',
    ]);
    expect(plan[0]).toMatchObject({ limit: 3, periodMs: 60_000 });
    expect(plan[4]).toMatchObject({ limit: 5, periodMs: 60_000, burst: 1 });
    expect(holdsOf(plan).map((h) => h.object)).toEqual([
      'ten:w:singleton:',
      'ten:w:concurrency[0]:c',
      'ten:w:concurrency[1]:',
    ]);
    expect(waitingGates(plan).map((g) => g.rule)).toEqual(['concurrency', 'concurrency', 'throttle']);
  });
});

describe('registration checks of the flow-control keys', () => {
  it('accepts keys over trigger, inputs and vars', () => {
    expect(
      issuesOf(`name: ok
concurrency: [ { limit: 2, key: "{{ inputs.customer }}" }, { limit: 5 } ]
throttle: { limit: 10, period: 1m, burst: 3, key: "{{ trigger.type }}" }
rate_limit: { limit: 3, period: 1m, key: "{{ vars.region }}" }
singleton: { mode: cancel }
vars: { region: eu }
${STEPS}`),
    ).toEqual([]);
  });

  it('refuses a key that does not parse or reads a step, naming the YAML path', () => {
    const issues = issuesOf(`name: bad
concurrency: [ { limit: 2 }, { limit: 1, key: "{{ inputs.customer " } ]
throttle: { limit: 1, period: 1s, key: "{{ a.output }}" }
${STEPS}`);
    expect(issues.map((i) => i.path)).toEqual(['concurrency[1].key', 'throttle.key']);
    expect(issues[1]!.message).toContain('trigger, inputs and vars');
  });

  it('refuses debounce with batch, max_wait below the period, and a burst above 10 000', () => {
    const issues = issuesOf(`name: bad2
debounce: { period: 10s, max_wait: 5s }
batch: { max_size: 10, timeout: 2s }
${STEPS}`);
    expect(issues.map((i) => i.path)).toEqual(['batch', 'debounce.max_wait']);
    const burst = issuesOf(`name: bad3\nthrottle: { limit: 1, period: 1s, burst: 10001 }\n${STEPS}`);
    expect(burst.map((i) => i.path)).toEqual(['throttle.burst']);
  });
});
