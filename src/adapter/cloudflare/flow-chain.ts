import { inArray } from 'drizzle-orm';
import { BatonError } from '../../core/errors';
import type { FlowControl, GatedRun } from '../../ports';
import type { FlowHold, QueueReason } from '../../schemas/flow';
import { ENDED_RUN_STATUSES } from '../../schemas/enums';
import { database } from './d1/client';
import { cancelQueuedRun, failQueuedRun, getRunRow, type RunRow, setQueueReason } from './d1/runs';
import { runs } from './d1/schema';
import type { AppEnv } from './env';

/** The flow-control object of a name (`<tenant>:<workflow>:<rule>[<index>]:<key>`). */
export function flowGateOf(env: Pick<AppEnv, 'FLOW_GATES'>, object: string) {
  return env.FLOW_GATES.get(env.FLOW_GATES.idFromName(object));
}

/** The flow-control port over the `FLOW_GATES` objects (see FlowGate). */
export function flowControlOf(env: AppEnv): FlowControl {
  return {
    rateLimit: (gate, id) => flowGateOf(env, gate.object).rateLimit(gate, id),
    singleton: (gate, tenantId, runId) => flowGateOf(env, gate.object).singleton(gate, tenantId, runId),
    async admit(run) {
      const answer = await offerFrom(env, run, 0);
      return answer === true ? { admitted: true } : { admitted: false, ...answer };
    },
    release: (holds, runId) => releaseFlow(env, holds, runId),
  };
}

/** Gives back a run's places in every gate it names (idempotent). */
export async function releaseFlow(env: Pick<AppEnv, 'FLOW_GATES'>, holds: FlowHold[], runId: string): Promise<void> {
  await Promise.all(holds.map((h) => flowGateOf(env, h.object).release(runId)));
}

/**
 * Takes a restarted run's places (`concurrency`, `singleton`) again, all or none.
 * @returns null when taken, else why not (nothing is kept).
 */
export async function retakeFlow(
  env: Pick<AppEnv, 'FLOW_GATES'>,
  tenantId: string,
  runId: string,
  places: FlowHold[],
): Promise<string | null> {
  const holds = places.filter((h): h is FlowHold & { rule: 'concurrency' | 'singleton' } => h.rule !== 'throttle');
  const refusals = await Promise.all(holds.map((h) => flowGateOf(env, h.object).retake(h.rule, runId, tenantId)));
  const refused = refusals.find((r) => r !== null);
  if (refused) await releaseFlow(env, holds, runId);
  return refused ?? null;
}

/**
 * Offers a run to its gates from index `from` on. @returns true when it passed them all, else
 * the gate it waits in (recorded in D1 `runs.queue_reason`).
 * @throws {BatonError} `limit_exceeded` when a gate's waiting list is full (the run is failed).
 */
export async function offerFrom(
  env: AppEnv,
  run: GatedRun,
  from: number,
): Promise<true | { reason: QueueReason; position: number }> {
  for (let i = from; i < run.gates.length; i++) {
    const gate = run.gates[i]!;
    const answer = await flowGateOf(env, gate.object).offer(gate, run, i);
    if ('granted' in answer) continue;
    const db = database(env.DB);
    if ('refused' in answer) {
      const message = `${gate.rule}${gate.key ? ` (key ${gate.key})` : ''}: ${answer.refused}`;
      await failQueuedRun(db, run.runId, { code: 'limit_exceeded', message }, new Date().toISOString());
      throw new BatonError('limit_exceeded', message);
    }
    if (i > 0 || gate.rule !== run.gates[0]!.rule) await setQueueReason(db, run.runId, gate.rule);
    return { reason: gate.rule, position: answer.position };
  }
  return true;
}

/**
 * Cancels a run a `singleton` (mode cancel) replaced: its RunObject, or, when it has not started
 * (it waits in a gate), its D1 row (see {@link cancelQueued}).
 */
export async function cancelActiveRun(env: AppEnv, tenantId: string, runId: string, reason: string): Promise<void> {
  const status = await env.RUNS.get(env.RUNS.idFromName(runId)).control('cancel', reason);
  if (status === null) await cancelQueued(env, tenantId, runId, reason);
}

/**
 * Cancels a run that has no RunObject yet (it waits in flow-control gates): its D1 row is marked
 * `cancelled` (ended), it leaves every gate's waiting list and gives back what it holds, and a
 * parent step hears of it. The gates never start it (they check the row before starting).
 * @returns whether the run was queued and is now cancelled.
 */
export async function cancelQueued(env: AppEnv, tenantId: string, runId: string, reason: string): Promise<boolean> {
  const db = database(env.DB);
  const row = await getRunRow(db, tenantId, runId);
  if (row?.status !== 'queued') return false;
  const cancelled = await cancelQueuedRun(db, runId, reason, new Date().toISOString());
  await releaseFlow(env, row.flow ?? [], runId);
  if (cancelled) await tellParent(env.RUNS, row, { code: 'cancelled', message: reason });
  return cancelled;
}

/** A sub-workflow run that ended before it started (failed or cancelled): its parent step's failure. */
export async function tellParent(
  runs: AppEnv['RUNS'],
  row: RunRow,
  cause: { code: 'start_failed' | 'cancelled'; message: string },
): Promise<void> {
  if (!row.parent) return;
  const { runId, stepId, attempt, unit } = row.parent;
  const error = {
    code: cause.code,
    message: `sub-workflow ${row.workflowName} run ${row.id}: ${cause.message}`,
    retryable: false,
  };
  const stub = runs.get(runs.idFromName(runId));
  // A tool call's child run (an agent or workflow tool): the failure is that call's result.
  if (unit?.callId)
    await stub.report({ stepId, attempt, unit, turn: unit.turn, callId: unit.callId, outcome: { ok: false, error } });
  else await stub.report({ stepId, attempt, ok: false, provider: 'workflow', error });
}

/** Of these run ids, those whose run ended, or has no record at all. */
export async function endedOf(env: Pick<AppEnv, 'DB'>, runIds: string[]): Promise<Set<string>> {
  const rows = await database(env.DB)
    .select({ id: runs.id, status: runs.status })
    .from(runs)
    .where(inArray(runs.id, runIds));
  const ended = new Set<string>(ENDED_RUN_STATUSES);
  const live = new Set(rows.filter((r) => !ended.has(r.status)).map((r) => r.id));
  return new Set(runIds.filter((id) => !live.has(id)));
}

/** Where a queued run waits for a `concurrency` slot: its place (1 = next) in the first gate it waits in, or null. */
export async function queuePosition(
  env: Pick<AppEnv, 'FLOW_GATES'>,
  runId: string,
  holds: FlowHold[],
): Promise<number | null> {
  for (const hold of holds.filter((h) => h.rule === 'concurrency')) {
    const position = await flowGateOf(env, hold.object).position(runId);
    if (position !== null) return position;
  }
  return null;
}
