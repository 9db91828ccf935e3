import { inArray } from 'drizzle-orm';
import { BatonError } from '../../core/errors';
import type { FlowControl, GatedRun } from '../../ports';
import type { FlowHold, QueueReason } from '../../schemas/flow';
import { ENDED_RUN_STATUSES } from '../../schemas/enums';
import { database } from './d1/client';
import { failQueuedRun, getRunRow, setQueueReason } from './d1/runs';
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
 * (it waits in a gate), its D1 row, whose places are then given back.
 */
export async function cancelActiveRun(env: AppEnv, tenantId: string, runId: string, reason: string): Promise<void> {
  const status = await env.RUNS.get(env.RUNS.idFromName(runId)).control('cancel', reason);
  if (status !== null) return;
  const db = database(env.DB);
  const row = await getRunRow(db, tenantId, runId);
  if (row?.status !== 'queued') return;
  await db
    .update(runs)
    .set({
      status: 'cancelled',
      error: { code: 'cancelled', message: reason, retryable: false },
      endedAt: new Date().toISOString(),
      queueReason: null,
    })
    .where(inArray(runs.id, [runId]));
  await releaseFlow(env, row.flow ?? [], runId);
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
