import { describe, expect, it } from 'vitest';
import { asText, clipText, isLong, previewLine } from '../../website/src/clip';
import { formatCost, formatTokens } from '../../website/src/format';
import type { Run, Step } from '../../website/src/types';
import { runUsage, stepUsage, sumUsage } from '../../website/src/usage';

describe('cost and token formatting', () => {
  it('shows USD to 4 decimals, unknown as a dash', () => {
    expect(formatCost(0.00314)).toBe('$0.0031');
    expect(formatCost(12.5)).toBe('$12.5000');
    expect(formatCost(0)).toBe('$0.0000');
    for (const unknown of [undefined, null, Number.NaN]) expect(formatCost(unknown)).toBe('—');
  });
  it('shows tokens in and out', () => {
    expect(formatTokens({ inputTokens: 1200, outputTokens: 35 })).toBe('1,200 in / 35 out');
    expect(formatTokens({ outputTokens: 5 })).toBe('? in / 5 out');
    expect(formatTokens({ costUsd: 1 })).toBe('—');
    expect(formatTokens(null)).toBe('—');
  });
});

describe('usage totals', () => {
  it('sums field by field and keeps a field unknown when no usage has it', () => {
    expect(sumUsage([{ inputTokens: 1, outputTokens: 2 }, null, { inputTokens: 3, costUsd: 0.5 }])).toEqual({
      inputTokens: 4,
      outputTokens: 2,
      costUsd: 0.5,
    });
    expect(sumUsage([null, undefined, {}])).toBeNull();
  });
  it("takes the server's step and run totals, else sums the attempts", () => {
    const attempt = (costUsd: number) => ({ usage: { inputTokens: 10, costUsd } }) as Step['history'][number];
    const summed = { history: [attempt(0.1), attempt(0.2)] } as Step;
    const told = { history: [attempt(0.1)], usage: { inputTokens: 99, costUsd: 1 } } as Step;
    expect(stepUsage(summed)).toEqual({ inputTokens: 20, costUsd: expect.closeTo(0.3) });
    expect(stepUsage(told)).toEqual({ inputTokens: 99, costUsd: 1 });
    expect(runUsage({ steps: [summed, told] } as Run)).toEqual({ inputTokens: 119, costUsd: expect.closeTo(1.3) });
    expect(runUsage({ steps: [summed], usage: { costUsd: 7 } } as Run)).toEqual({ costUsd: 7 });
  });
});

describe('long texts', () => {
  it('collapses by characters or by lines', () => {
    expect(isLong('short')).toBe(false);
    expect(isLong('x'.repeat(601))).toBe(true);
    expect(isLong('a\n'.repeat(11))).toBe(false);
    expect(isLong('a\n'.repeat(12))).toBe(true);
  });
  it('cuts a huge text, never inside a surrogate pair, and says how much was cut', () => {
    expect(clipText('abcdef', 4)).toEqual({ text: 'abcd', cut: 2 });
    expect(clipText('abc😀def', 4)).toEqual({ text: 'abc', cut: 5 });
    expect(clipText('abc', 4)).toEqual({ text: 'abc', cut: 0 });
  });
  it('previews the first line', () => {
    expect(previewLine('one line')).toBe('one line');
    expect(previewLine('first\nsecond')).toBe('first…');
    expect(previewLine('y'.repeat(100), 10)).toBe(`${'y'.repeat(10)}…`);
  });
  it('shows values as text or indented JSON', () => {
    expect(asText('as is')).toBe('as is');
    expect(asText({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(asText(undefined)).toBe('');
  });
});
