import { describe, expect, it } from 'vitest';
import { gradeOf, judgeScore, meanScore, qualityDropStarts, scoreRun } from '../../src/core/evaluation';

const clock = { now: 0, random: () => 0.5 };

describe('evaluation', () => {
  it('grades by the mean of the scores given', () => {
    expect([90, 89.9, 75, 74, 50, 49].map(gradeOf)).toEqual(['excellent', 'good', 'good', 'fair', 'fair', 'poor']);
    expect(meanScore([{ score: 80, reasons: '' }, { error: 'x' }, { score: 40, reasons: '' }])).toBe(60);
    expect(meanScore([{ error: 'x' }])).toBeNull();
  });

  it('scores an expression: numbers 0–100 and booleans; anything else is an error', async () => {
    const ctx = { output: 'a long enough text', steps: {} };
    expect(await scoreRun({ name: 'n', expression: '$length(output) * 2' }, ctx, 0, clock)).toMatchObject({
      score: 36,
    });
    expect(await scoreRun({ name: 'b', expression: '{{ $length(output) > 5 }}' }, ctx, 0, clock)).toMatchObject({
      score: 100,
    });
    expect(await scoreRun({ name: 'big', expression: '101' }, ctx, 0, clock)).toHaveProperty('error');
    expect(await scoreRun({ name: 's', expression: 'output' }, ctx, 0, clock)).toHaveProperty('error');
  });

  it('scores a schema: 100 when the output matches, else 0 with the issues', async () => {
    const schema = { type: 'object', required: ['title'] };
    expect(await scoreRun({ name: 'x', schema }, { output: { title: 't' } }, 0, clock)).toMatchObject({ score: 100 });
    const bad = await scoreRun({ name: 'x', schema }, { output: { body: 'b' } }, 0, clock);
    expect(bad).toMatchObject({ score: 0 });
    expect((bad as { reasons: string }).reasons).toContain('title');
  });

  it("takes a judge's score only when it is one", () => {
    expect(judgeScore({ score: 70, reasons: 'ok' })).toEqual({ score: 70, reasons: 'ok' });
    expect(judgeScore({ score: 170 })).toHaveProperty('error');
    expect(judgeScore('great')).toHaveProperty('error');
  });

  it('finds a drop once, when it starts: the last window more than tolerance below the window before', () => {
    const rule = { window: 3, tolerance: 10 };
    // Newest first.
    expect(qualityDropStarts([90, 90, 90, 90, 90, 90], rule)).toBeNull();
    expect(qualityDropStarts([60, 90, 90, 90, 90, 90], rule)).toBeNull(); // 80 vs 90: within tolerance
    expect(qualityDropStarts([60, 60, 90, 90, 90, 90, 90], rule)).toMatchObject({ kind: 'regression', recent: 70 });
    expect(qualityDropStarts([60, 60, 60, 90, 90, 90, 90], rule)).toBeNull(); // the same drop, one run later
    expect(qualityDropStarts([60, 60, 90, 90, 90], rule)).toBeNull(); // not 2 windows of runs yet
    expect(qualityDropStarts([40, 60, 60, 60, 60], { ...rule, below: 55 })).toMatchObject({ kind: 'below' });
    expect(qualityDropStarts([40, 40, 60, 60, 60], { ...rule, below: 55 })).toBeNull();
  });
});
