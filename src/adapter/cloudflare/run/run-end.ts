import { runFacts } from '../../../core/analytics/facts';
import type { RunState } from '../../../core/engine/index';
import { recordRunFacts, runApprovalTimes } from '../d1/analytics';
import { database } from '../d1/client';
import type { AppEnv } from '../env';

/**
 * What a run's end records besides its reply: the analytics rollup (issue 20). Idempotent: the
 * outbox carries it out again after a crash, and a restarted run that ends again replaces it.
 */
export async function recordRunEnd(env: AppEnv, tenantId: string, state: RunState): Promise<void> {
  const db = database(env.DB);
  const facts = runFacts(state, await runApprovalTimes(db, tenantId, state.runId), Date.now());
  await recordRunFacts(db, tenantId, facts.run, facts.steps);
}
