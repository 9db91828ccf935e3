import { and, eq, gte, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Database } from './client';
import { runs, stepAttempts } from './schema';

/** Usage summed over a workflow's runs (from the attempts mirrored to D1). Cost in USD. */
export interface WorkflowUsage {
  runs: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * The usage of every run of a workflow: runs counted, cost and tokens summed over their attempts.
 * Reads `runs_workflow_created` and the attempts' primary key (by run id). A live run's latest
 * attempts count once the RunObject mirrored them.
 */
export async function workflowUsage(db: Database, tenantId: string, workflow: string): Promise<WorkflowUsage> {
  const [row] = await db
    .select({
      runs: sql<number>`count(distinct ${runs.id})`,
      costUsd: sql<number>`coalesce(sum(${stepAttempts.costUsd}), 0)`,
      inputTokens: sql<number>`coalesce(sum(${stepAttempts.inputTokens}), 0)`,
      outputTokens: sql<number>`coalesce(sum(${stepAttempts.outputTokens}), 0)`,
    })
    .from(runs)
    .leftJoin(stepAttempts, eq(stepAttempts.runId, runs.id))
    .where(and(eq(runs.tenantId, tenantId), eq(runs.workflowName, workflow)));
  return {
    runs: Number(row?.runs ?? 0),
    costUsd: Number(row?.costUsd ?? 0),
    inputTokens: Number(row?.inputTokens ?? 0),
    outputTokens: Number(row?.outputTokens ?? 0),
  };
}

/**
 * What a workflow's runs other than `exceptRun` spent on the UTC day `day` (`YYYY-MM-DD`): the cost
 * of their attempts dispatched that day, USD. Runs that ended before the day are left out.
 */
export async function workflowSpendOn(
  db: Database,
  tenantId: string,
  workflow: string,
  day: string,
  exceptRun: string,
): Promise<number> {
  const start = `${day}T00:00:00.000Z`;
  const end = new Date(Date.parse(start) + 86_400_000).toISOString();
  const [row] = await db
    .select({ usd: sql<number>`coalesce(sum(${stepAttempts.costUsd}), 0)` })
    .from(runs)
    .innerJoin(stepAttempts, eq(stepAttempts.runId, runs.id))
    .where(
      and(
        eq(runs.tenantId, tenantId),
        eq(runs.workflowName, workflow),
        ne(runs.id, exceptRun),
        or(isNull(runs.endedAt), gte(runs.endedAt, start)),
        gte(stepAttempts.dispatchedAt, start),
        lt(stepAttempts.dispatchedAt, end),
      ),
    );
  return Number(row?.usd ?? 0);
}
