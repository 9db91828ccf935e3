import { and, desc, eq, getTableColumns, isNotNull, isNull, like, lt, or, sql } from 'drizzle-orm';
import { agentOf, nodeOf, stepProgress, type RunState } from '../../../core/engine/index';
import type { RunStatus, TriggerType } from '../../../schemas/enums';
import { decodeCursor, encodeCursor, iso, type Database } from './client';
import { runs, stepAttempts } from './schema';
import { recordUnstartedRunFact } from './analytics';
import type { NewRunRecord } from '../../../ports';
import type { QueueReason } from '../../../schemas/flow';

/**
 * Inserts a queued run unless one with the same idempotency key exists.
 * @returns the id of the run that holds the key (the new one, or the earlier one), and whether it is new.
 */
export async function insertRun(
  db: Database,
  tenantId: string,
  run: NewRunRecord,
): Promise<{ id: string; created: boolean }> {
  const inserted = await db
    .insert(runs)
    .values({ ...run, tenantId, status: 'queued' })
    .onConflictDoNothing()
    .returning({ id: runs.id });
  if (inserted.length) return { id: run.id, created: true };
  const existing = await db.query.runs.findFirst({
    where: and(eq(runs.tenantId, tenantId), eq(runs.idempotencyKey, run.idempotencyKey ?? '')),
  });
  if (!existing) throw new Error(`run ${run.id} could not be inserted`);
  return { id: existing.id, created: false };
}

export type RunRow = typeof runs.$inferSelect;

/** Deletes a run that never started (still `queued`): a start that a `singleton` skipped, or whose claim failed. */
export async function discardQueuedRun(db: Database, tenantId: string, id: string): Promise<void> {
  await db.delete(runs).where(and(eq(runs.tenantId, tenantId), eq(runs.id, id), eq(runs.status, 'queued')));
}

/**
 * Marks a queued run (it waits in a flow-control gate, no RunObject yet) cancelled, unless it left
 * `queued` meanwhile. @returns the row when it was marked.
 */
export async function cancelQueuedRun(db: Database, id: string, reason: string, endedAt: string): Promise<boolean> {
  const done = await db
    .update(runs)
    .set({
      status: 'cancelled',
      error: { code: 'cancelled', message: reason, retryable: false },
      endedAt,
      queueReason: null,
    })
    .where(and(eq(runs.id, id), eq(runs.status, 'queued')))
    .returning({ id: runs.id });
  if (done.length) await recordUnstartedRunFact(db, id);
  return done.length > 0;
}

/**
 * Queued runs of every tenant created before `before` (ISO), oldest first: candidates for the
 * start sweeper. `gated`: only those a flow-control gate holds (`queue_reason` set), else only the others.
 */
export function listQueuedBefore(db: Database, before: string, limit: number, gated = false): Promise<RunRow[]> {
  return db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.status, 'queued'),
        lt(runs.createdAt, before),
        gated ? isNotNull(runs.queueReason) : isNull(runs.queueReason),
      ),
    )
    .orderBy(runs.createdAt)
    .limit(limit);
}

/**
 * Records a start that flow control refused (a schedule tick past the workflow's `rate_limit`) as
 * a run that ended at once, `failed` with the refusal's error (code `rate_limited`), so the tick is
 * listed (`GET /api/runs`) and never fired again (its idempotency key holds the minute).
 */
export async function recordRefusedStart(
  db: Database,
  tenantId: string,
  run: NewRunRecord,
  error: { code: string; message: string },
): Promise<void> {
  await db
    .insert(runs)
    .values({ ...run, tenantId, status: 'failed', error: { ...error, retryable: false }, endedAt: run.createdAt })
    .onConflictDoNothing();
  await recordUnstartedRunFact(db, run.id);
}

/** Records the gate a queued run waits in now (`concurrency`, `throttle`), unless it left `queued`. */
export async function setQueueReason(db: Database, id: string, reason: QueueReason): Promise<void> {
  await db
    .update(runs)
    .set({ queueReason: reason })
    .where(and(eq(runs.id, id), eq(runs.status, 'queued')));
}

/** Marks a run that could not start as failed, unless it left `queued` meanwhile. @returns whether it was marked. */
export async function failQueuedRun(
  db: Database,
  id: string,
  error: { code: string; message: string },
  endedAt: string,
): Promise<boolean> {
  const done = await db
    .update(runs)
    .set({ status: 'failed', error: { ...error, retryable: false }, endedAt })
    .where(and(eq(runs.id, id), eq(runs.status, 'queued')))
    .returning({ id: runs.id });
  if (done.length) await recordUnstartedRunFact(db, id);
  return done.length > 0;
}

/** The minute (epoch ms) of the latest run a schedule trigger started, or null when none. */
export async function lastScheduledMinute(
  db: Database,
  tenantId: string,
  workflow: string,
  triggerKey: string,
): Promise<number | null> {
  const prefix = `schedule:${triggerKey}:`;
  const [row] = await db
    .select({ key: runs.idempotencyKey })
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), eq(runs.workflowName, workflow), like(runs.idempotencyKey, `${prefix}%`)))
    .orderBy(desc(runs.idempotencyKey))
    .limit(1);
  const ms = row?.key ? Date.parse(row.key.slice(prefix.length)) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** One run's D1 row. @returns null when unknown. */
export async function getRunRow(db: Database, tenantId: string, id: string): Promise<RunRow | null> {
  return (await db.query.runs.findFirst({ where: and(eq(runs.tenantId, tenantId), eq(runs.id, id)) })) ?? null;
}

/** Runs newest first, filtered, paginated by an opaque cursor. */
export async function listRuns(
  db: Database,
  tenantId: string,
  filter: { workflow?: string; status?: RunStatus; trigger?: TriggerType; cursor?: string; limit: number },
) {
  const after = decodeCursor(filter.cursor);
  const rows = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        filter.workflow ? eq(runs.workflowName, filter.workflow) : undefined,
        filter.status ? eq(runs.status, filter.status) : undefined,
        filter.trigger ? eq(runs.triggerType, filter.trigger) : undefined,
        after ? or(lt(runs.createdAt, after[0]), and(eq(runs.createdAt, after[0]), lt(runs.id, after[1]))) : undefined,
      ),
    )
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

/** Step attempts of a run, in dispatch order. */
export function listAttempts(db: Database, runId: string) {
  return db
    .select()
    .from(stepAttempts)
    .where(eq(stepAttempts.runId, runId))
    .orderBy(stepAttempts.dispatchedAt, stepAttempts.stepId, stepAttempts.attempt);
}

/**
 * Mirrors a run's state into D1 (run row + the attempts of the given steps) in one batch.
 * Upserts, so replaying a mirror is harmless.
 */
export async function mirrorRun(
  db: Database,
  tenantId: string,
  state: RunState,
  stepIds: Iterable<string>,
): Promise<void> {
  const progress = stepProgress(Object.values(state.steps));
  const run = db
    .update(runs)
    .set({
      status: state.status,
      output: mirrorable(state.output),
      error: state.error ?? null,
      stepsDone: progress.done,
      stepsTotal: progress.total,
      startedAt: iso(state.startedAt),
      endedAt: iso(state.endedAt),
      // Started: no gate holds it any more.
      ...(state.status !== 'queued' ? { queueReason: null } : {}),
    })
    .where(eq(runs.id, state.runId));
  const rows: AttemptRow[] = [...stepIds].flatMap((stepId) => {
    const step = state.steps[stepId]!;
    const agent = agentOf(state, stepId);
    const kind = nodeOf(state, stepId).kind;
    return step.attempts.map((a) => ({
      tenantId,
      runId: state.runId,
      stepId,
      attempt: a.attempt,
      status: a.status,
      stepStatus: step.status,
      agent: a.agent ?? agent,
      selection: a.selection ?? null,
      provider: a.provider ?? kind,
      error: a.error ?? null,
      inputTokens: a.usage?.inputTokens ?? null,
      outputTokens: a.usage?.outputTokens ?? null,
      costUsd: a.usage?.costUsd ?? null,
      dispatchedAt: iso(a.dispatchedAt)!,
      startedAt: iso(a.startedAt) ?? null,
      endedAt: iso(a.endedAt) ?? null,
    }));
  });
  const upserts = [];
  for (let i = 0; i < rows.length; i += ATTEMPTS_PER_STATEMENT)
    upserts.push(upsertAttempts(db, rows.slice(i, i + ATTEMPTS_PER_STATEMENT)));
  await db.batch([run, ...upserts]);
}

type AttemptRow = typeof stepAttempts.$inferInsert;
/** Rows per statement: one bound parameter each, a few hundred bytes of JSON per row. */
const ATTEMPTS_PER_STATEMENT = 200;
/** Columns an upsert leaves as they are: the key, and the tenant. */
const KEPT = new Set<string>(['tenantId', 'runId', 'stepId', 'attempt']);

/**
 * One upsert of many attempt rows. D1 refuses statements with over 100 bound parameters, so the
 * rows travel as one JSON parameter that SQLite's `json_each` unpacks
 * (https://sqlite.org/json1.html#jeach); `WHERE true` is the guard SQLite asks for in an upsert
 * from a SELECT (https://sqlite.org/lang_upsert.html).
 */
function upsertAttempts(db: Database, rows: AttemptRow[]) {
  const columns = Object.entries(getTableColumns(stepAttempts));
  // Selected in the table's column order, which is the order drizzle lists them in the INSERT.
  const values = sql.join(
    columns.map(([key]) => sql.raw(`json_extract(value, '$.${key}')`)),
    sql`, `,
  );
  const set = Object.fromEntries(
    columns
      .filter(([key]) => !KEPT.has(key))
      .map(([key, column]) => [key, sql.raw(`excluded.${JSON.stringify(column.name)}`)]),
  );
  return db
    .insert(stepAttempts)
    .select(sql`SELECT ${values} FROM json_each(${JSON.stringify(rows)}) WHERE true`)
    .onConflictDoUpdate({ target: [stepAttempts.runId, stepAttempts.stepId, stepAttempts.attempt], set });
}

/** Largest run output copied into D1, bytes of JSON; larger ones stay in the RunObject. */
export const MAX_MIRRORED_OUTPUT_BYTES = 64 * 1024;

/** The output as D1 keeps it: as is when small, else a reference to the RunObject's copy. */
function mirrorable(output: unknown): unknown {
  if (output === undefined || output === null) return null;
  const bytes = new TextEncoder().encode(JSON.stringify(output)).byteLength;
  return bytes <= MAX_MIRRORED_OUTPUT_BYTES
    ? output
    : { $ref: 'run', bytes, note: 'read the full output with GET /api/runs/:id' };
}

/** Mean duration (ms) of successful attempts per step id (iterations folded) of a workflow's runs. */
export async function stepDurations(db: Database, tenantId: string, workflow: string): Promise<Map<string, number>> {
  const rows = await db.all<{ step_id: string; started_at: string; ended_at: string }>(sql`
    SELECT a.step_id, a.started_at, a.ended_at FROM step_attempts a JOIN runs r ON r.id = a.run_id
    WHERE r.tenant_id = ${tenantId} AND r.workflow_name = ${workflow} AND a.status = 'succeeded' AND a.started_at IS NOT NULL AND a.ended_at IS NOT NULL
    ORDER BY a.ended_at DESC LIMIT 2000`);
  const sums = new Map<string, { total: number; n: number }>();
  for (const row of rows) {
    const id = row.step_id.split('[')[0]!;
    const entry = sums.get(id) ?? { total: 0, n: 0 };
    entry.total += Date.parse(row.ended_at) - Date.parse(row.started_at);
    entry.n += 1;
    sums.set(id, entry);
  }
  return new Map([...sums].map(([id, { total, n }]) => [id, total / n]));
}
