/** One finished (or running) attempt of an agent step, as the statistics read it. */
export interface AttemptSample {
  status: 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
  /** Time the agent worked on the attempt, ms; null while it runs or when it never started. */
  durationMs: number | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/** An agent's health over a window of attempts. */
export interface AgentStats {
  /** Attempts that ended (succeeded, failed or timed out); cancelled and running ones are left out. */
  calls: number;
  succeeded: number;
  /** succeeded / calls, 0–1; null without calls. */
  successRate: number | null;
  /** Latency percentiles of ended attempts, ms; null without calls. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Total cost reported by the provider, USD. */
  costUsd: number;
  /** costUsd / calls, USD; null without calls. */
  costPerCallUsd: number | null;
  /** Ended calls per hour over the window (calls / window hours); null when no window is given. */
  throughputPerHour: number | null;
  inputTokens: number;
  outputTokens: number;
}

/**
 * The `p`-th percentile (0–100) of `values` by the nearest-rank method
 * (https://en.wikipedia.org/wiki/Percentile#The_nearest-rank_method). @returns null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/**
 * Folds an agent's attempts into its calls, success rate, latency percentiles, throughput, tokens and cost.
 * @param windowHours the length of the window the samples come from, hours (> 0), for `throughputPerHour`.
 */
export function agentStats(samples: readonly AttemptSample[], windowHours?: number): AgentStats {
  const ended = samples.filter((s) => s.status === 'succeeded' || s.status === 'failed' || s.status === 'timed_out');
  const succeeded = ended.filter((s) => s.status === 'succeeded').length;
  const durations = ended.flatMap((s) => (s.durationMs === null ? [] : [s.durationMs]));
  const sum = (pick: (s: AttemptSample) => number | null) => samples.reduce((total, s) => total + (pick(s) ?? 0), 0);
  const costUsd = sum((s) => s.costUsd);
  return {
    calls: ended.length,
    succeeded,
    successRate: ended.length ? succeeded / ended.length : null,
    p50Ms: percentile(durations, 50),
    p95Ms: percentile(durations, 95),
    costUsd,
    costPerCallUsd: ended.length ? costUsd / ended.length : null,
    throughputPerHour: windowHours && windowHours > 0 ? ended.length / windowHours : null,
    inputTokens: sum((s) => s.inputTokens),
    outputTokens: sum((s) => s.outputTokens),
  };
}
