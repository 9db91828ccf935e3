import { flowKey } from '../../../core/flow/keys';
import { flowPlan, waitingGates } from '../../../core/flow/plan';
import { definitionOfRow, failGatedRun, GatedStartError, handOn, startFromRow } from '../flow-start';
import { tellParent } from '../flow-chain';
import type { TriggerInfo } from '../../../core/engine/index';
import { runObjectStarterOf } from '../host';
import { database, type Database } from '../d1/client';
import { pruneWebhookBodies } from '../d1/deliveries';
import { failQueuedRun, listQueuedBefore, type RunRow } from '../d1/runs';
import type { AppEnv } from '../env';
import { START_TIMEOUT_MS } from './start-run';

/**
 * A queued run younger than this is left alone: its own start is most likely under way, ms. (A
 * start repeated meanwhile is harmless: a no-op once the object exists.) Small, so an orphan
 * lasts at most about a minute: the cron's interval plus this.
 */
export const SWEEP_GRACE_MS = 2_000;
/** A run waiting in a flow-control gate this long is offered to its gates again (a lost offer is repaired), ms. */
export const GATE_REPAIR_MS = 30_000;
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
 * a sub-workflow's parent step hears of it. A run a flow-control gate holds (`queue_reason` set) is
 * its gate's to start: only when it has waited {@link GATE_REPAIR_MS} is it offered to its gates
 * again (idempotent), which repairs an offer lost between the D1 insert and the gate. Also prunes
 * webhook bodies past their replay window.
 * @param now epoch ms
 */
export async function sweepQueuedRuns(env: AppEnv, now: number): Promise<SweepOutcome> {
  const db = database(env.DB);
  const starter = runObjectStarterOf(env.RUNS);
  const outcome: SweepOutcome = { started: [], failed: [] };
  const rows = await listQueuedBefore(db, new Date(now - SWEEP_GRACE_MS).toISOString(), SWEEP_BATCH);
  const gated = await listQueuedBefore(db, new Date(now - GATE_REPAIR_MS).toISOString(), SWEEP_BATCH, true);
  for (let i = 0; i < gated.length; i += SWEEP_CONCURRENCY)
    await Promise.all(
      gated
        .slice(i, i + SWEEP_CONCURRENCY)
        .map((row) => reoffer(env, db, row).catch((err) => console.error(`start sweeper: gated run ${row.id}`, err))),
    );
  for (let i = 0; i < rows.length; i += SWEEP_CONCURRENCY) {
    await Promise.all(
      rows.slice(i, i + SWEEP_CONCURRENCY).map(async (row) => {
        try {
          const problem = await startFromRow(db, starter, row);
          if (!problem) return void outcome.started.push(row.id);
          console.error(`run ${row.id} could not start: ${problem}`);
          if (
            !(await failQueuedRun(db, row.id, { code: 'start_failed', message: problem }, new Date(now).toISOString()))
          )
            return;
          outcome.failed.push(row.id);
          await tellParent(env.RUNS, row, { code: 'start_failed', message: problem });
        } catch (err) {
          console.error(`start sweeper: run ${row.id}`, err); // D1 or the parent unavailable: the next sweep tries again
        }
      }),
    );
  }
  await pruneWebhookBodies(db, now);
  return outcome;
}

/**
 * Offers a gated run (`queue_reason` set) to its gates again, in order: idempotent by run id, so a
 * run that waits keeps its place, and one whose offer was lost (a crash between the D1 insert and
 * the gate) is queued, or started when every gate lets it through. The gates are those its record
 * names (`runs.flow`, rendered at its start); a run whose workflow version is gone is failed.
 */
async function reoffer(env: AppEnv, db: Database, row: RunRow): Promise<void> {
  const wf = await definitionOfRow(db, row);
  if (!wf)
    return failGatedRun(
      env,
      row.tenantId,
      row.id,
      `workflow ${row.workflowName} version ${row.version} does not exist`,
    );
  const createdAt = Date.parse(row.createdAt);
  const context = { trigger: row.trigger as TriggerInfo, inputs: row.input as Record<string, unknown> };
  const stored = row.flow ?? [];
  const plan = await flowPlan(wf.definition, row.tenantId, row.workflowName, ({ template, path }) => {
    const [, rule, index] = /^(\w+)(?:\[(\d+)\])?\.key$/.exec(path) ?? [];
    const at = rule === 'concurrency' ? Number(index ?? 0) : undefined;
    const place = stored.find((h) => h.rule === rule && (h.index ?? undefined) === at);
    // A record from before `runs.flow` listed every gate: its key is rendered again.
    return place ? Promise.resolve(place.key) : flowKey(template, context, path, { now: createdAt, random: () => 0 });
  });
  const gates = waitingGates(plan);
  try {
    await handOn(
      env,
      { tenantId: row.tenantId, runId: row.id, priority: row.priority, enqueuedAt: createdAt, gates },
      0,
    );
  } catch (err) {
    if (!(err instanceof GatedStartError) || !err.permanent) throw err;
    await failGatedRun(env, row.tenantId, row.id, err.message);
  }
}
