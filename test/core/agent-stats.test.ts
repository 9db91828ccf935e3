import { describe, expect, it } from 'vitest';
import { agentStats, percentile, type AttemptSample } from '../../src/core/policy/agent-stats';

const sample = (
  status: AttemptSample['status'],
  durationMs: number | null,
  costUsd: number | null = null,
): AttemptSample => ({ status, durationMs, costUsd, inputTokens: 10, outputTokens: 5 });

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 50, null],
    [[7], 95, 7],
    [[15, 20, 35, 40, 50], 30, 20],
    [[15, 20, 35, 40, 50], 50, 35],
    [[15, 20, 35, 40, 50], 100, 50],
    [Array.from({ length: 100 }, (_, i) => 100 - i), 95, 95],
  ])('%j p%i = %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('agentStats', () => {
  it('counts ended attempts, leaves running and cancelled ones out of rates and latency, and sums cost and tokens', () => {
    const stats = agentStats([
      sample('succeeded', 100, 0.01),
      sample('succeeded', 300, 0.02),
      sample('failed', 50),
      sample('timed_out', 1000),
      sample('running', null),
      sample('cancelled', 5),
    ]);
    expect(stats).toEqual({
      calls: 4,
      succeeded: 2,
      successRate: 0.5,
      p50Ms: 100,
      p95Ms: 1000,
      costUsd: 0.03,
      costPerCallUsd: 0.03 / 4,
      throughputPerHour: null,
      inputTokens: 60,
      outputTokens: 30,
    });
  });

  it('has no rate or latency without calls', () => {
    expect(agentStats([])).toMatchObject({ calls: 0, successRate: null, p50Ms: null, p95Ms: null, costUsd: 0 });
  });
});
