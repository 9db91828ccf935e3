import { and, avg, desc, eq, gte, isNotNull, lt } from 'drizzle-orm';
import type { ScoreFact } from '../../../core/analytics/rollup';
import type { ScoreResult } from '../../../core/evaluation';
import type { Database } from './client';
import type { FactWindow } from './analytics';
import { runScores } from './schema';

export type RunScoreRow = typeof runScores.$inferSelect;

/** Most scores one analytics answer reads (one per run and scorer). */
export const MAX_SCORE_FACTS = 80_000;

/** Stores (or replaces) one scorer's score of a run. */
export async function recordScore(
  db: Database,
  tenantId: string,
  score: { runId: string; scorer: string; workflow: string; runEndedAt: string; result: ScoreResult },
  now: string,
): Promise<void> {
  const values = {
    score: 'score' in score.result ? score.result.score : null,
    reasons: 'score' in score.result ? score.result.reasons : null,
    error: 'error' in score.result ? score.result.error : null,
    runEndedAt: score.runEndedAt,
    scoredAt: now,
  };
  await db
    .insert(runScores)
    .values({ runId: score.runId, scorer: score.scorer, tenantId, workflow: score.workflow, ...values })
    .onConflictDoUpdate({ target: [runScores.runId, runScores.scorer], set: values });
}

/** A run's scores, by scorer name. */
export function scoresOfRun(db: Database, tenantId: string, runId: string): Promise<RunScoreRow[]> {
  return db
    .select()
    .from(runScores)
    .where(and(eq(runScores.tenantId, tenantId), eq(runScores.runId, runId)))
    .orderBy(runScores.scorer);
}

/**
 * The workflow's latest scored runs, newest first: each run's mean score (of one scorer, or of all),
 * errors left out.
 */
export async function latestRunScores(
  db: Database,
  tenantId: string,
  workflow: string,
  limit: number,
  scorer?: string,
): Promise<{ runId: string; score: number }[]> {
  const rows = await db
    .select({ runId: runScores.runId, score: avg(runScores.score), endedAt: runScores.runEndedAt })
    .from(runScores)
    .where(
      and(
        eq(runScores.tenantId, tenantId),
        eq(runScores.workflow, workflow),
        isNotNull(runScores.score),
        scorer ? eq(runScores.scorer, scorer) : undefined,
      ),
    )
    .groupBy(runScores.runId, runScores.runEndedAt)
    .orderBy(desc(runScores.runEndedAt), desc(runScores.runId))
    .limit(limit);
  return rows.map((r) => ({ runId: r.runId, score: Number(r.score) }));
}

/** Each scored run's mean score over a span of run ends, for analytics. */
export async function scoreFactsIn(db: Database, tenantId: string, w: FactWindow): Promise<ScoreFact[]> {
  const rows = await db
    .select({ runId: runScores.runId, score: avg(runScores.score) })
    .from(runScores)
    .where(
      and(
        eq(runScores.tenantId, tenantId),
        isNotNull(runScores.score),
        gte(runScores.runEndedAt, w.from),
        lt(runScores.runEndedAt, w.to),
        w.workflow === undefined ? undefined : eq(runScores.workflow, w.workflow),
      ),
    )
    .groupBy(runScores.runId)
    .limit(MAX_SCORE_FACTS);
  return rows.map((r) => ({ runId: r.runId, score: Number(r.score) }));
}
