import { describe, expect, it } from 'vitest';
import { costOf, usageOf } from '../../src/agents/model/cost';

describe('costOf: USD of a model call from prices per million tokens', () => {
  it('prices input and output tokens separately', () => {
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 0 }, { input: 3, output: 15 })).toBe(3);
    expect(costOf({ inputTokens: 2_000, outputTokens: 1_000 }, { input: 3, output: 15 })).toBeCloseTo(0.021, 12);
  });

  it('is undefined without prices or without token counts; a missing count counts as 0', () => {
    expect(costOf({ inputTokens: 100, outputTokens: 20 })).toBeUndefined();
    expect(costOf({}, { input: 3, output: 15 })).toBeUndefined();
    expect(costOf({ outputTokens: 1_000_000 }, { input: 3, output: 15 })).toBe(15);
    expect(costOf({ inputTokens: 0, outputTokens: 0 }, { input: 3, output: 15 })).toBe(0);
  });
});

describe('usageOf: a provider usage with its cost', () => {
  it('keeps only non-negative finite counts and adds the cost when priced', () => {
    expect(usageOf(100, 20, { input: 3, output: 15 })).toEqual({ inputTokens: 100, outputTokens: 20, costUsd: 0.0006 });
    expect(usageOf(100, 20)).toEqual({ inputTokens: 100, outputTokens: 20 });
    expect(usageOf('100', -1, { input: 3, output: 15 })).toBeUndefined();
    expect(usageOf(Number.NaN, 7)).toEqual({ outputTokens: 7 });
  });
});
