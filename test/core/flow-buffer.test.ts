import { describe, expect, it } from 'vitest';
import {
  type BufferRule,
  holdTrigger,
  isDue,
  MAX_BATCH_BYTES,
  MAX_HELD_TRIGGER_BYTES,
  type OpenBuffer,
  releaseRetryAt,
} from '../../src/core/flow/buffer';

const debounce = (period: string, max_wait?: string): BufferRule => ({
  rule: 'debounce',
  spec: { period, ...(max_wait ? { max_wait } : {}) },
});
const batch = (max_size: number, timeout: string): BufferRule => ({ rule: 'batch', spec: { max_size, timeout } });

/** Holds triggers at the given times, as one buffer would (a due burst counts as none). */
function holdAll(rule: BufferRule, times: number[], bytes = 10) {
  let open: OpenBuffer | undefined;
  const released: OpenBuffer[] = [];
  let n = 0;
  for (const t of times) {
    if (open && isDue(open, t)) released.push(open);
    const d = holdTrigger(open, rule, bytes, t, `run-${++n}`);
    if (d.closed) released.push(d.closed);
    open = d.open;
  }
  return { open: open!, released };
}

describe('debounce timing', () => {
  it('five triggers 300 ms apart collapse into one burst, released period after the last', () => {
    const { open, released } = holdAll(debounce('2s'), [0, 300, 600, 900, 1200]);
    expect(released).toEqual([]);
    expect(open).toMatchObject({ runId: 'run-1', openedAt: 0, lastAt: 1200, size: 5, releaseAt: 3200 });
  });

  it('max_wait caps the release after the first trigger', () => {
    const { open } = holdAll(debounce('2s', '3s'), [0, 1000, 2000, 2900]);
    expect(open).toMatchObject({ size: 4, releaseAt: 3000 });
  });

  it('a trigger after the release time opens a new burst with a new run id', () => {
    const { open, released } = holdAll(debounce('1s'), [0, 500, 1600]);
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({ runId: 'run-1', size: 2, releaseAt: 1500 });
    expect(open).toMatchObject({ runId: 'run-3', size: 1, openedAt: 1600, releaseAt: 2600 });
  });

  it('keeps the size of the last trigger only', () => {
    const first = holdTrigger(undefined, debounce('1s'), 500, 0, 'r');
    expect(holdTrigger(first.open, debounce('1s'), 20, 10, 'x').open.bytes).toBe(20);
  });
});

describe('batch timing', () => {
  it('25 triggers with max_size 10 make batches of 10, 10 and 5; full ones are due at once, the last at the timeout', () => {
    const { open, released } = holdAll(
      batch(10, '2s'),
      Array.from({ length: 25 }, (_, i) => i),
    );
    expect(released.map((b) => b.size)).toEqual([10, 10]);
    expect(released[0]!.releaseAt).toBe(9);
    expect(open).toMatchObject({ size: 5, openedAt: 20, releaseAt: 2020 });
  });

  it('a trigger that would push a batch past its byte limit closes it and opens the next', () => {
    const fits = Math.floor(MAX_BATCH_BYTES / MAX_HELD_TRIGGER_BYTES);
    const times = Array.from({ length: fits + 1 }, (_, i) => i);
    const { open, released } = holdAll(batch(100, '1m'), times, MAX_HELD_TRIGGER_BYTES);
    expect(released).toEqual([expect.objectContaining({ runId: 'run-1', size: fits, releaseAt: fits })]);
    expect(open).toMatchObject({ runId: `run-${fits + 1}`, size: 1, bytes: MAX_HELD_TRIGGER_BYTES });
  });
});

describe('bounds and retries', () => {
  it('refuses a trigger bigger than a buffer holds', () => {
    expect(() => holdTrigger(undefined, debounce('1s'), MAX_HELD_TRIGGER_BYTES + 1, 0, 'r')).toThrow(/256|262144/);
  });

  it('a failed release is tried again after 1 s, doubling, at most 5 min later', () => {
    expect([1, 2, 3, 30].map((n) => releaseRetryAt(n, 0))).toEqual([1_000, 2_000, 4_000, 300_000]);
  });
});
