import { describe, expect, it } from 'vitest';
import { type RunFact, stepIdOf } from '../../src/core/analytics/facts';
import { agentTotals, workflowsReport } from '../../src/core/analytics/report';
import { bucketCount, bucketStart, inBuckets, runStats } from '../../src/core/analytics/rollup';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 11, 1); // a UTC midnight

const fact = (runId: string, over: Partial<RunFact> = {}): RunFact => ({
  runId,
  workflow: 'w',
  version: 1,
  status: 'completed',
  triggerType: 'api',
  createdAt: T0,
  endedAt: T0 + HOUR,
  durationMs: 1000,
  retries: 0,
  costUsd: 0,
  inputTokens: 0,
  outputTokens: 0,
  approvals: 0,
  decided: 0,
  decideMs: 0,
  ...over,
});

describe('analytics rollups', () => {
  it('buckets are UTC hours or days; every bucket of the span is present, facts by their end', () => {
    expect(bucketStart(T0 + DAY + 5 * HOUR + 7, 'day')).toBe(T0 + DAY);
    expect(bucketStart(T0 + 5 * HOUR + 7, 'hour')).toBe(T0 + 5 * HOUR);
    const buckets = inBuckets(
      [fact('a', { endedAt: T0 + 2 * DAY + 1 })],
      (f) => f.endedAt,
      T0 + 1,
      T0 + 3 * DAY,
      'day',
    );
    expect(buckets.map(([start, facts]) => [start, facts.length])).toEqual([
      [T0, 0],
      [T0 + DAY, 0],
      [T0 + 2 * DAY, 1],
    ]);
    expect(bucketCount(T0 + 1, T0 + 3 * DAY, 'day')).toBe(3);
    expect(bucketCount(T0, T0 + 31 * DAY, 'hour')).toBe(744);
  });

  it('run stats: rates over runs, nearest-rank percentiles, decisions averaged over decided rounds', () => {
    const stats = runStats(
      [
        fact('a', { durationMs: 100, approvals: 2, decided: 2, decideMs: 3000 }),
        fact('b', { status: 'failed', durationMs: 300, retries: 2, costUsd: 0.25 }),
        fact('c', { status: 'cancelled', durationMs: null }),
        fact('d', { durationMs: 200, costUsd: 0.5 }),
      ],
      [
        { runId: 'a', rating: 'up' },
        { runId: 'zz', rating: 'down' },
      ],
      [{ runId: 'b', score: 40 }],
    );
    expect(stats).toMatchObject({
      runs: 4,
      completed: 2,
      failed: 1,
      cancelled: 1,
      successRate: 0.5,
      durationP50Ms: 200,
      durationP95Ms: 300,
      retries: 2,
      costUsd: 0.75,
      approvalsPerRun: 0.5,
      interventionRate: 0.25,
      decideMeanMs: 1500,
      feedbackUp: 1,
      feedbackDown: 0,
      scoreMean: 40,
    });
    expect(runStats([])).toMatchObject({ runs: 0, successRate: null, durationP50Ms: null, decideMeanMs: null });
  });

  it('per workflow, most runs first; an agent that served nothing has zeros', () => {
    const report = workflowsReport(
      [fact('a', { workflow: 'x' }), fact('b', { workflow: 'y' }), fact('c', { workflow: 'y' })],
      { feedback: [], scores: [] },
      { from: T0, to: T0 + DAY, bucket: 'hour' },
    );
    expect(report.workflows.map((w) => [w.workflow, w.runs])).toEqual([
      ['y', 2],
      ['x', 1],
    ]);
    expect(report.buckets).toHaveLength(24);
    expect(report.buckets[1]!.runs).toBe(3);
    expect(agentTotals('nobody', [])).toMatchObject({ agent: 'nobody', runs: 0, instances: 0, failureRate: null });
  });

  it('a foreach instance counts under its step id', () => {
    expect(stepIdOf('dive[2].fetch[10]')).toBe('dive.fetch');
    expect(stepIdOf('plain')).toBe('plain');
  });
});
