import { runFacts } from '../../../core/analytics/facts';
import type { RunState } from '../../../core/engine/index';
import { alertOnRunEnd } from '../alerts/checks';
import { evaluateRun, recordJudgeEnd } from '../evaluate/evaluate-run';
import { recordRunFacts, runApprovalTimes } from '../d1/analytics';
import { database } from '../d1/client';
import type { AppEnv } from '../env';

/**
 * What a run's end records besides its reply: the analytics rollup, the alerts it raises, and its
 * evaluation (a judge run's end: the score it gives) (issue 20). Idempotent: the outbox carries it out again after a crash, and a restarted run that
 * ends again replaces its rollup; an alert fires once per rule and run.
 */
export async function recordRunEnd(env: AppEnv, tenantId: string, state: RunState): Promise<void> {
  const db = database(env.DB);
  const now = Date.now();
  const facts = runFacts(state, await runApprovalTimes(db, tenantId, state.runId), now);
  await recordRunFacts(db, tenantId, facts.run, facts.steps);
  await alertOnRunEnd(
    env,
    tenantId,
    {
      runId: state.runId,
      workflow: state.workflow,
      status: state.status,
      costUsd: facts.run.costUsd,
      endedAt: new Date(facts.run.endedAt).toISOString(),
      ...(state.error ? { error: state.error } : {}),
      ...(state.definition.owners ? { owners: state.definition.owners } : {}),
      ...(state.restarts ? { restarts: state.restarts } : {}),
    },
    now,
  );
  if (!(await recordJudgeEnd(env, tenantId, state, now))) await evaluateRun(env, tenantId, state, now);
}
