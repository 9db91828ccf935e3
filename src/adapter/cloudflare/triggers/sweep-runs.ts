import { delegationDefinition } from '../../../core/definition/delegation';
import type { TriggerInfo } from '../../../core/engine/index';
import { runObjectStarterOf } from '../host';
import { database, type Database } from '../d1/client';
import { pruneWebhookBodies } from '../d1/deliveries';
import { failQueuedRun, listQueuedBefore, type RunRow } from '../d1/runs';
import { getWorkflowVersion } from '../d1/workflows';
import type { AppEnv } from '../env';
import type { RunStarter } from '../../../ports';
import { START_TIMEOUT_MS } from './start-run';

/**
 * A queued run younger than this is left alone: its own start is most likely under way, ms. (A
 * start repeated meanwhile is harmless: a no-op once the object exists.) Small, so an orphan
 * lasts at most about a minute: the cron's interval plus this.
 */
export const SWEEP_GRACE_MS = 2_000;
/** Runs handled per sweep (the oldest first); more wait for the next minute. */
export const SWEEP_BATCH = 50;
/** Starts in flight at once. */
const SWEEP_CONCURRENCY = 10;

/** What one sweep did: runs (re)started, and runs failed because they could not start. */
export interface SweepOutcome {
  started: string[];
  failed: string[];
}

/**
 * The start sweeper, called by `scheduled()` every minute: a run still `queued` in D1
 * {@link SWEEP_GRACE_MS} after it was recorded lost its start (a crash, a hang or an error between
 * the D1 insert and `RunObject.start`). Its start is repeated from the D1 row — idempotent: a no-op
 * when the object exists — and a run that cannot start (its workflow version is gone, the object
 * throws or does not answer within {@link START_TIMEOUT_MS}) is marked `failed` with `start_failed`;
 * a sub-workflow's parent step hears of it. Also prunes webhook bodies past their replay window.
 * @param now epoch ms
 */
export async function sweepQueuedRuns(env: AppEnv, now: number): Promise<SweepOutcome> {
  const db = database(env.DB);
  const starter = runObjectStarterOf(env.RUNS);
  const outcome: SweepOutcome = { started: [], failed: [] };
  const rows = await listQueuedBefore(db, new Date(now - SWEEP_GRACE_MS).toISOString(), SWEEP_BATCH);
  for (let i = 0; i < rows.length; i += SWEEP_CONCURRENCY) {
    await Promise.all(
      rows.slice(i, i + SWEEP_CONCURRENCY).map(async (row) => {
        try {
          const problem = await restart(db, starter, row);
          if (!problem) return void outcome.started.push(row.id);
          console.error(`run ${row.id} could not start: ${problem}`);
          if (
            !(await failQueuedRun(db, row.id, { code: 'start_failed', message: problem }, new Date(now).toISOString()))
          )
            return;
          outcome.failed.push(row.id);
          await tellParent(env.RUNS, row, problem);
        } catch (err) {
          console.error(`start sweeper: run ${row.id}`, err); // D1 or the parent unavailable: the next sweep tries again
        }
      }),
    );
  }
  await pruneWebhookBodies(db, now);
  return outcome;
}

/** Repeats a queued run's start from its D1 row. @returns why it cannot start, or null once started. */
async function restart(db: Database, starter: RunStarter, row: RunRow): Promise<string | null> {
  // An agent delegation (version 0) is not in the catalogue: its definition is rebuilt from its trigger.
  const agent = row.version === 0 ? (row.trigger as { agent?: unknown }).agent : undefined;
  const wf =
    typeof agent === 'string'
      ? { name: row.workflowName, version: 0, definition: delegationDefinition(agent) }
      : await getWorkflowVersion(db, row.tenantId, row.workflowName, row.version);
  if (!wf) return `workflow ${row.workflowName} version ${row.version} does not exist`;
  try {
    await starter.start({
      tenantId: row.tenantId,
      runId: row.id,
      workflow: wf.name,
      version: wf.version,
      definition: wf.definition,
      inputs: row.input as Record<string, unknown>,
      trigger: row.trigger as TriggerInfo,
      createdAt: Date.parse(row.createdAt),
      parent: row.parent ?? undefined,
      debug: row.debug,
      ...(row.agents ? { agents: row.agents } : {}),
      priority: row.priority,
    });
    return null;
  } catch (err) {
    return `the RunObject did not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** A failed sub-workflow start is its parent step's failure, as when the parent starts it (outbox). */
async function tellParent(runs: AppEnv['RUNS'], row: RunRow, problem: string): Promise<void> {
  if (!row.parent) return;
  const { runId, stepId, attempt, unit } = row.parent;
  const error = {
    code: 'start_failed' as const,
    message: `sub-workflow ${row.workflowName} run ${row.id}: ${problem}`,
    retryable: false,
  };
  const stub = runs.get(runs.idFromName(runId));
  // A tool call's child run (an agent or workflow tool): the failure is that call's result.
  if (unit?.callId)
    await stub.report({ stepId, attempt, unit, turn: unit.turn, callId: unit.callId, outcome: { ok: false, error } });
  else await stub.report({ stepId, attempt, ok: false, provider: 'workflow', error });
}
