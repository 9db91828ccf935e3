import { and, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { ApprovalTimes, RunFact, StepFact } from '../../../core/analytics/facts';
import type { FeedbackFact } from '../../../core/analytics/rollup';
import { iso, type Database } from './client';
import { approvals, feedback, runFacts, runs, stepFacts } from './schema';

/** Most run facts one analytics answer reads; past it the answer says `truncated`. */
export const MAX_RUN_FACTS = 20_000;
/** Most step facts one analytics answer reads. */
export const MAX_STEP_FACTS = 50_000;
/** Step-fact rows per INSERT: 13 columns each, under D1's 100 bound parameters. */
const STEP_ROWS_PER_STATEMENT = 7;

/** The approval rounds of a run (asked and decided times), for its rollup. */
export async function runApprovalTimes(db: Database, tenantId: string, runId: string): Promise<ApprovalTimes[]> {
  const rows = await db
    .select({ createdAt: approvals.createdAt, decidedAt: approvals.decidedAt })
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.runId, runId)));
  return rows.map((r) => ({
    createdAt: Date.parse(r.createdAt),
    decidedAt: r.decidedAt ? Date.parse(r.decidedAt) : null,
  }));
}

/** Writes (or replaces) an ended run's rollup, in one batch: idempotent, so a replayed finish is harmless. */
export async function recordRunFacts(db: Database, tenantId: string, run: RunFact, steps: StepFact[]): Promise<void> {
  const row = { ...run, tenantId, createdAt: iso(run.createdAt)!, endedAt: iso(run.endedAt)! };
  const stepRows = steps.map((s, seq) => ({ ...s, seq, tenantId, workflow: run.workflow, endedAt: row.endedAt }));
  const inserts = [];
  for (let i = 0; i < stepRows.length; i += STEP_ROWS_PER_STATEMENT)
    inserts.push(db.insert(stepFacts).values(stepRows.slice(i, i + STEP_ROWS_PER_STATEMENT)));
  const { runId: _, ...set } = row;
  await db.batch([
    db.insert(runFacts).values(row).onConflictDoUpdate({ target: runFacts.runId, set }),
    db.delete(stepFacts).where(eq(stepFacts.runId, run.runId)),
    ...inserts,
  ]);
}

/** A window of run ends, ISO-8601 bounds (`from` inclusive, `to` exclusive), and what to narrow it to. */
export interface FactWindow {
  from: string;
  to: string;
  workflow?: string;
  agent?: string;
}

const toRunFact = (r: typeof runFacts.$inferSelect): RunFact => {
  const { tenantId: _, ...rest } = r;
  return { ...rest, createdAt: Date.parse(r.createdAt), endedAt: Date.parse(r.endedAt) };
};

/** The run facts of runs that ended in the window, oldest end first, at most {@link MAX_RUN_FACTS}. */
export async function runFactsIn(db: Database, tenantId: string, w: FactWindow): Promise<RunFact[]> {
  const rows = await db
    .select()
    .from(runFacts)
    .where(
      and(
        eq(runFacts.tenantId, tenantId),
        gte(runFacts.endedAt, w.from),
        lt(runFacts.endedAt, w.to),
        w.workflow === undefined ? undefined : eq(runFacts.workflow, w.workflow),
      ),
    )
    .orderBy(runFacts.endedAt)
    .limit(MAX_RUN_FACTS + 1);
  return rows.map(toRunFact);
}

/** The step facts of runs that ended in the window, at most {@link MAX_STEP_FACTS}. */
export async function stepFactsIn(db: Database, tenantId: string, w: FactWindow): Promise<StepFact[]> {
  const where: (SQL | undefined)[] = [
    eq(stepFacts.tenantId, tenantId),
    gte(stepFacts.endedAt, w.from),
    lt(stepFacts.endedAt, w.to),
    w.workflow === undefined ? undefined : eq(stepFacts.workflow, w.workflow),
    w.agent === undefined ? undefined : eq(stepFacts.agent, w.agent),
  ];
  const rows = await db
    .select()
    .from(stepFacts)
    .where(and(...where))
    .orderBy(stepFacts.endedAt, stepFacts.runId, stepFacts.seq)
    .limit(MAX_STEP_FACTS + 1);
  return rows.map(({ tenantId: _, seq: __, workflow: ___, ...rest }) => ({
    ...rest,
    endedAt: Date.parse(rest.endedAt),
  }));
}

/** Feedback on the runs that ended in the window. */
export async function feedbackIn(db: Database, tenantId: string, w: FactWindow): Promise<FeedbackFact[]> {
  return db
    .select({ runId: feedback.runId, rating: feedback.rating })
    .from(feedback)
    .innerJoin(runFacts, eq(runFacts.runId, feedback.runId))
    .where(
      and(
        eq(feedback.tenantId, tenantId),
        eq(runFacts.tenantId, tenantId),
        gte(runFacts.endedAt, w.from),
        lt(runFacts.endedAt, w.to),
        w.workflow === undefined ? undefined : eq(runFacts.workflow, w.workflow),
      ),
    )
    .limit(MAX_RUN_FACTS * 4);
}

/**
 * The rollup of a run that ended without starting (refused by flow control, cancelled or failed
 * while queued): no duration, no steps. Built from its `runs` row; no-op when the row is missing.
 */
export async function recordUnstartedRunFact(db: Database, runId: string): Promise<void> {
  const row = await db.query.runs.findFirst({ where: eq(runs.id, runId) });
  if (!row?.endedAt) return;
  await db
    .insert(runFacts)
    .values({
      runId: row.id,
      tenantId: row.tenantId,
      workflow: row.workflowName,
      version: row.version,
      status: row.status,
      triggerType: row.triggerType,
      createdAt: row.createdAt,
      endedAt: row.endedAt,
      durationMs: null,
      retries: 0,
      costUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
      approvals: 0,
      decided: 0,
      decideMs: 0,
    })
    .onConflictDoNothing();
}
