import { BatonError } from '../../../core/errors';
import type { RunState } from '../../../core/engine/index';
import {
  evaluationContext,
  judgeDefinition,
  judgeInput,
  judgeScore,
  scoreRun,
  type ScoreResult,
} from '../../../core/evaluation';
import { alertOnQuality } from '../alerts/checks';
import { database } from '../d1/client';
import { runFeedback } from '../d1/feedback';
import { recordScore, scoresOfRun } from '../d1/scores';
import type { AppEnv } from '../env';
import { startRun } from '../run/run-starter';

/** What a judge run carries in its trigger: the run it scores. */
interface Evaluates {
  runId: string;
  scorer: string;
  workflow: string;
  /** ISO 8601 */
  runEndedAt: string;
  /** Scorers of the evaluated run: its evaluation is complete when all have scored. */
  scorers: number;
  /** The judge, so the start sweeper can rebuild its definition (it is not in the catalogue). */
  judge: { name: string; agent: string; rubric: string };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Scores a completed run with its workflow's `evaluate:` scorers (issue 20: evaluations): the
 * expression and schema scorers now, each judge as an agent run of its own whose end records the
 * score ({@link recordJudgeEnd}). Idempotent: scores are replaced, a judge run started once per
 * run, scorer and restart (its idempotency key).
 * @throws when D1 is unavailable (the outbox carries the run's end out again).
 */
export async function evaluateRun(env: AppEnv, tenantId: string, state: RunState, now: number): Promise<void> {
  const scorers = state.definition.evaluate;
  if (!scorers?.length || state.status !== 'completed') return;
  const db = database(env.DB);
  const ratings = await runFeedback(db, tenantId, state.runId);
  const up = ratings.filter((f) => f.rating === 'up').length;
  const context = evaluationContext(state, { up, down: ratings.length - up }, now);
  const runEndedAt = iso(state.endedAt ?? now);
  const clock = { now: state.endedAt ?? now, random: () => 0.5 };
  const record = (scorer: string, result: ScoreResult) =>
    recordScore(db, tenantId, { runId: state.runId, scorer, workflow: state.workflow, runEndedAt, result }, iso(now));
  for (const [i, scorer] of scorers.entries()) {
    if (!('agent' in scorer)) {
      await record(scorer.name, await scoreRun(scorer, context, i, clock));
      continue;
    }
    const evaluates: Evaluates = {
      runId: state.runId,
      scorer: scorer.name,
      workflow: state.workflow,
      runEndedAt,
      scorers: scorers.length,
      judge: scorer,
    };
    try {
      // A judge whose object did not start now is started by the sweeper from its D1 row.
      await startRun(env, tenantId, {
        workflow: judgeDefinition(scorer).name,
        version: 0,
        input: { input: judgeInput(scorer.rubric, state.output) },
        trigger: { type: 'api', evaluates },
        idempotencyKey: `${state.runId}:evaluate:${scorer.name}:${state.restarts ?? 0}`,
        definition: judgeDefinition(scorer),
      });
    } catch (err) {
      if (!(err instanceof BatonError)) throw err;
      await record(scorer.name, { error: `the judge ${scorer.agent} could not start: ${err.message}` });
    }
  }
  await evaluated(env, tenantId, state.runId, state.workflow, scorers.length);
}

/**
 * A judge run ended: its answer (or its failure) is the score of the run it evaluates.
 * @returns false when the run is not a judge's.
 */
export async function recordJudgeEnd(env: AppEnv, tenantId: string, state: RunState, now: number): Promise<boolean> {
  const ev = state.trigger.evaluates as Evaluates | undefined;
  if (!ev?.runId) return false;
  const result: ScoreResult =
    state.status === 'completed'
      ? judgeScore(state.output)
      : { error: `the judge run ${state.runId} ${state.status}: ${state.error?.message ?? 'no error recorded'}` };
  await recordScore(
    database(env.DB),
    tenantId,
    { runId: ev.runId, scorer: ev.scorer, workflow: ev.workflow, runEndedAt: ev.runEndedAt, result },
    iso(now),
  );
  await evaluated(env, tenantId, ev.runId, ev.workflow, ev.scorers);
  return true;
}

/** Once every scorer of the run has scored, its workflow's `quality_drop` rules look at the trend. */
async function evaluated(env: AppEnv, tenantId: string, runId: string, workflow: string, scorers: number) {
  const scores = await scoresOfRun(database(env.DB), tenantId, runId);
  if (scores.length >= scorers) await alertOnQuality(env, tenantId, workflow, runId, Date.now());
}
