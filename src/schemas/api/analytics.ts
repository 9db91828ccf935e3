import { z } from 'zod';
import { Iso } from './common';

/** Most buckets one analytics answer has (31 days by hour, about two years by day). */
export const MAX_BUCKETS = 744;

/** `?from=&to=&bucket=` of the analytics routes: ISO-8601 bounds of the runs' ends. */
export const AnalyticsQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Runs that ended at or after this instant (default: 7 days before `to`)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Runs that ended before this instant (default: now)'),
  bucket: z.enum(['day', 'hour']).default('day').describe('UTC days or hours'),
});

const rate = z.number().min(0).max(1).nullable();
const ms = z.number().nullable();

/** What runs over a span of time did (issue 20: analytics). */
export const RunStats = z
  .object({
    runs: z.number().int().describe('Runs that ended'),
    completed: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    successRate: rate.describe('completed / runs, 0–1; null without runs'),
    durationP50Ms: ms.describe('Median run duration, start to end, ms (nearest rank)'),
    durationP95Ms: ms.describe('95th percentile run duration, ms (nearest rank)'),
    retries: z.number().int().describe('Attempts after the first, over all steps'),
    costUsd: z.number().describe('Model cost, USD'),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    approvalsPerRun: z.number().nullable().describe('Approval rounds asked per run (human intervention)'),
    interventionRate: rate.describe('Share of runs that asked a person at least once, 0–1'),
    decideMeanMs: ms.describe('Mean time from asking to deciding an approval, ms'),
    feedbackUp: z.number().int().describe('👍 feedback on these runs'),
    feedbackDown: z.number().int().describe('👎 feedback on these runs'),
    scoreMean: z.number().nullable().describe('Mean evaluation score (0–100) of the runs scored'),
  })
  .openapi('RunStats');

/** A step of a workflow over a span of time. */
export const StepStats = z
  .object({
    step: z.string().describe("The step's id (foreach instances counted under their step)"),
    instances: z.number().int().describe('Step instances that ran'),
    failureRate: rate.describe('Failed instances / instances, 0–1'),
    p50Ms: ms.describe('Median latency of an instance, first attempt start to end, ms'),
    p95Ms: ms.describe('95th percentile latency, ms'),
    retries: z.number().int(),
    costUsd: z.number(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
  })
  .openapi('StepStats');

/** An agent over a span of time: the step instances it served. */
export const AgentRollup = StepStats.omit({ step: true })
  .extend({ agent: z.string(), runs: z.number().int().describe('Runs it served at least once') })
  .openapi('AgentRollup');

const span = {
  from: Iso,
  to: Iso,
  bucket: z.enum(['day', 'hour']),
  truncated: z.boolean().describe('More runs ended in the span than one answer reads; narrow it'),
};

/** `GET /api/analytics/workflows`. */
export const WorkflowsAnalytics = z
  .object({
    ...span,
    totals: RunStats,
    buckets: z.array(RunStats.extend({ start: Iso })).describe('Every bucket of the span, oldest first'),
    workflows: z.array(RunStats.extend({ workflow: z.string() })).describe('Per workflow, most runs first'),
  })
  .openapi('WorkflowsAnalytics');
export type WorkflowsAnalytics = z.infer<typeof WorkflowsAnalytics>;

/** `GET /api/analytics/workflows/:name`. */
export const WorkflowAnalytics = z
  .object({
    ...span,
    workflow: z.string(),
    totals: RunStats,
    buckets: z.array(RunStats.extend({ start: Iso })),
    steps: z.array(StepStats).describe('Per step, in the order they first ran'),
  })
  .openapi('WorkflowAnalytics');
export type WorkflowAnalytics = z.infer<typeof WorkflowAnalytics>;

/** `GET /api/analytics/agents`. */
export const AgentsAnalytics = z
  .object({ ...span, agents: z.array(AgentRollup).describe('By name') })
  .openapi('AgentsAnalytics');
export type AgentsAnalytics = z.infer<typeof AgentsAnalytics>;

/** `GET /api/analytics/agents/:name`. */
export const AgentAnalytics = z
  .object({
    ...span,
    agent: z.string(),
    totals: AgentRollup,
    buckets: z.array(AgentRollup.extend({ start: Iso })),
  })
  .openapi('AgentAnalytics');
export type AgentAnalytics = z.infer<typeof AgentAnalytics>;
