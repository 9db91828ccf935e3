import { describe, expect, it } from 'vitest';
import { costOf, pricedTurn, pricedUsage, reportedUsage, usageOf, withPricedUsage } from '../../src/agents/model/cost';

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

describe('pricedUsage (registry pricing)', () => {
  const pricing = { input_per_mtok: 3, output_per_mtok: 15, per_call: 0.001 };
  it('prices tokens and the call, over what the agent reported', () => {
    expect(pricedUsage({ inputTokens: 1000, outputTokens: 2000, costUsd: 9 }, pricing)?.costUsd).toBeCloseTo(
      0.003 + 0.03 + 0.001,
    );
  });
  it('a priced call without usage costs per_call; a failure that never reached the agent costs nothing', () => {
    expect(pricedUsage(undefined, { per_call: 0.01 })).toEqual({ costUsd: 0.01 });
    expect(pricedUsage(undefined, { per_call: 0.01 }, false)).toBeUndefined();
    expect(withPricedUsage({ ok: false, usage: undefined }, { per_call: 0.01 }).usage).toBeUndefined();
  });
  it('without pricing, or with token prices and no counts, keeps the reported cost', () => {
    expect(pricedUsage({ costUsd: 0.01 }, undefined)).toEqual({ costUsd: 0.01 });
    expect(pricedUsage({ costUsd: 0.01 }, { input_per_mtok: 3 })).toEqual({ costUsd: 0.01 });
  });
  it('prices a model turn (its reply usage)', () => {
    const turn = pricedTurn(
      { ok: true, reply: { text: 'x', toolCalls: [], usage: { inputTokens: 1e6 } }, settings: {} as never },
      { input_per_mtok: 2 },
    );
    expect(turn.ok && turn.reply.usage?.costUsd).toBe(2);
  });
});

describe('reportedUsage: what an agent says it used, as far as it is believable', () => {
  it('keeps finite numbers ≥ 0 and drops negative, non-numeric and absurd figures', () => {
    expect(reportedUsage({ inputTokens: 12, outputTokens: 3, costUsd: 0.01 })).toEqual({
      inputTokens: 12,
      outputTokens: 3,
      costUsd: 0.01,
    });
    expect(reportedUsage({ inputTokens: -5, outputTokens: '7', costUsd: -1 })).toBeUndefined();
    expect(reportedUsage({ costUsd: '0.01', inputTokens: 4 })).toEqual({ inputTokens: 4 });
    expect(reportedUsage({ costUsd: { x: 1 } })).toBeUndefined();
    expect(reportedUsage({ costUsd: Number.POSITIVE_INFINITY })).toBeUndefined();
    expect(reportedUsage({ costUsd: 1e9 })).toBeUndefined();
    expect(reportedUsage('lots')).toBeUndefined();
  });
});
