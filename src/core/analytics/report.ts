import type { RunFact, StepFact } from './facts';
import {
  agentRollups,
  type AgentRollup,
  type Bucket,
  type FeedbackFact,
  inBuckets,
  runStats,
  type RunStats,
  type ScoreFact,
  stepStats,
  type StepStats,
} from './rollup';

/** The span an analytics answer covers: run ends from `from` (inclusive) to `to` (exclusive), epoch ms. */
export interface Span {
  from: number;
  to: number;
  bucket: Bucket;
}

/** What the facts of a span were judged by: people's feedback and evaluation scores. */
export interface Judgements {
  feedback: readonly FeedbackFact[];
  scores: readonly ScoreFact[];
}

const byRunEnd = (f: { endedAt: number }) => f.endedAt;

/** Run stats per bucket of the span, oldest first; `start` is epoch ms. */
export function runBuckets(
  facts: readonly RunFact[],
  judged: Judgements,
  span: Span,
): (RunStats & { start: number })[] {
  return inBuckets(facts, byRunEnd, span.from, span.to, span.bucket).map(([start, group]) => ({
    start,
    ...runStats(group, judged.feedback, judged.scores),
  }));
}

/** All workflows of a span: totals, buckets, and per workflow (most runs first, then by name). */
export function workflowsReport(facts: readonly RunFact[], judged: Judgements, span: Span) {
  const byWorkflow = new Map<string, RunFact[]>();
  for (const fact of facts) {
    const group = byWorkflow.get(fact.workflow);
    if (group) group.push(fact);
    else byWorkflow.set(fact.workflow, [fact]);
  }
  const workflows = [...byWorkflow]
    .map(([workflow, group]) => ({ workflow, ...runStats(group, judged.feedback, judged.scores) }))
    .sort((a, b) => b.runs - a.runs || a.workflow.localeCompare(b.workflow));
  return {
    totals: runStats(facts, judged.feedback, judged.scores),
    buckets: runBuckets(facts, judged, span),
    workflows,
  };
}

/** One workflow over a span: totals, buckets and its steps. */
export function workflowReport(
  facts: readonly RunFact[],
  steps: readonly StepFact[],
  judged: Judgements,
  span: Span,
): { totals: RunStats; buckets: (RunStats & { start: number })[]; steps: StepStats[] } {
  return {
    totals: runStats(facts, judged.feedback, judged.scores),
    buckets: runBuckets(facts, judged, span),
    steps: stepStats(steps),
  };
}

/** An agent's rollup over some step facts; zeros (and null rates) when it served none. */
export function agentTotals(agent: string, steps: readonly StepFact[]): AgentRollup {
  const own = steps.filter((s) => s.agent === agent);
  return (
    agentRollups(own)[0] ?? {
      agent,
      runs: 0,
      instances: 0,
      failureRate: null,
      p50Ms: null,
      p95Ms: null,
      retries: 0,
      costUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
    }
  );
}

/** One agent over a span: totals and buckets. */
export function agentReport(agent: string, steps: readonly StepFact[], span: Span) {
  return {
    totals: agentTotals(agent, steps),
    buckets: inBuckets(steps, byRunEnd, span.from, span.to, span.bucket).map(([start, group]) => ({
      start,
      ...agentTotals(agent, group),
    })),
  };
}
