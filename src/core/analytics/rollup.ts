import { percentile } from '../policy/agent-stats';
import type { RunFact, StepFact } from './facts';

/** A bucket's width: a UTC hour or a UTC day. */
export type Bucket = 'hour' | 'day';

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** The start (epoch ms) of the UTC hour or day `at` falls in. */
export function bucketStart(at: number, bucket: Bucket): number {
  return at - (((at % BUCKET_MS[bucket]) + BUCKET_MS[bucket]) % BUCKET_MS[bucket]);
}

/** Feedback on one run, as analytics count it. */
export interface FeedbackFact {
  runId: string;
  rating: 'up' | 'down';
}

/** A score an evaluation gave one run (0–100). */
export interface ScoreFact {
  runId: string;
  score: number;
}

/**
 * Runs over a span of time. Durations in ms, cost in USD; rates 0–1 and null without runs.
 * Percentiles are by the nearest-rank method (see `percentile`).
 */
export interface RunStats {
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** completed / runs. */
  successRate: number | null;
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  retries: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Approval rounds asked, per run. */
  approvalsPerRun: number | null;
  /** Share of runs that asked a person at least once. */
  interventionRate: number | null;
  /** Mean time from asking to deciding an approval, ms; null without decisions. */
  decideMeanMs: number | null;
  feedbackUp: number;
  feedbackDown: number;
  /** Mean evaluation score (0–100) of the runs that were scored; null without scores. */
  scoreMean: number | null;
}

/** A step of a workflow over a span of time: its instances that ran. */
export interface StepStats {
  step: string;
  instances: number;
  failureRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  retries: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** An agent over a span of time: the step instances it served. */
export interface AgentRollup extends Omit<StepStats, 'step'> {
  agent: string;
  /** Runs it served at least once. */
  runs: number;
}

const rate = (part: number, whole: number) => (whole ? part / whole : null);
const sum = <T>(items: readonly T[], pick: (item: T) => number) => items.reduce((total, item) => total + pick(item), 0);

/** Folds run facts (with their feedback and scores) into {@link RunStats}. */
export function runStats(
  facts: readonly RunFact[],
  feedback: readonly FeedbackFact[] = [],
  scores: readonly ScoreFact[] = [],
): RunStats {
  const ids = new Set(facts.map((f) => f.runId));
  const durations = facts.flatMap((f) => (f.durationMs === null ? [] : [f.durationMs]));
  const decided = sum(facts, (f) => f.decided);
  const own = feedback.filter((f) => ids.has(f.runId));
  const ownScores = scores.filter((s) => ids.has(s.runId));
  const completed = facts.filter((f) => f.status === 'completed').length;
  return {
    runs: facts.length,
    completed,
    failed: facts.filter((f) => f.status === 'failed').length,
    cancelled: facts.filter((f) => f.status === 'cancelled').length,
    successRate: rate(completed, facts.length),
    durationP50Ms: percentile(durations, 50),
    durationP95Ms: percentile(durations, 95),
    retries: sum(facts, (f) => f.retries),
    costUsd: sum(facts, (f) => f.costUsd),
    inputTokens: sum(facts, (f) => f.inputTokens),
    outputTokens: sum(facts, (f) => f.outputTokens),
    approvalsPerRun: rate(
      sum(facts, (f) => f.approvals),
      facts.length,
    ),
    interventionRate: rate(facts.filter((f) => f.approvals > 0).length, facts.length),
    decideMeanMs: decided ? sum(facts, (f) => f.decideMs) / decided : null,
    feedbackUp: own.filter((f) => f.rating === 'up').length,
    feedbackDown: own.filter((f) => f.rating === 'down').length,
    scoreMean: ownScores.length ? sum(ownScores, (s) => s.score) / ownScores.length : null,
  };
}

function stepFold(facts: readonly StepFact[]): Omit<StepStats, 'step'> {
  const durations = facts.flatMap((f) => (f.durationMs === null ? [] : [f.durationMs]));
  return {
    instances: facts.length,
    failureRate: rate(facts.filter((f) => f.status === 'failed').length, facts.length),
    p50Ms: percentile(durations, 50),
    p95Ms: percentile(durations, 95),
    retries: sum(facts, (f) => Math.max(0, f.attempts - 1)),
    costUsd: sum(facts, (f) => f.costUsd),
    inputTokens: sum(facts, (f) => f.inputTokens),
    outputTokens: sum(facts, (f) => f.outputTokens),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Per step id, in the order the steps first appear. */
export function stepStats(facts: readonly StepFact[]): StepStats[] {
  return [...groupBy(facts, (f) => f.step)].map(([step, group]) => ({ step, ...stepFold(group) }));
}

/** Per agent, by name. */
export function agentRollups(facts: readonly StepFact[]): AgentRollup[] {
  return [...groupBy(facts, (f) => f.agent)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agent, group]) => ({ agent, runs: new Set(group.map((f) => f.runId)).size, ...stepFold(group) }));
}

/**
 * Splits facts into consecutive buckets from `from` (inclusive) to `to` (exclusive), epoch ms, by
 * each fact's `endedAt`; every bucket in the span is present, empty ones too.
 * @returns `[bucket start, facts]` pairs, oldest first.
 */
export function inBuckets<T>(
  facts: readonly T[],
  endedAt: (fact: T) => number,
  from: number,
  to: number,
  bucket: Bucket,
): [number, T[]][] {
  const buckets = new Map<number, T[]>();
  for (let start = bucketStart(from, bucket); start < to; start += BUCKET_MS[bucket]) buckets.set(start, []);
  for (const fact of facts) buckets.get(bucketStart(endedAt(fact), bucket))?.push(fact);
  return [...buckets];
}

/** How many buckets the span from `from` to `to` (epoch ms) has. */
export function bucketCount(from: number, to: number, bucket: Bucket): number {
  return Math.max(0, Math.ceil((to - bucketStart(from, bucket)) / BUCKET_MS[bucket]));
}
