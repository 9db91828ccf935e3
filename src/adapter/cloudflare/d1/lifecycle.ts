import { and, asc, eq, gt, inArray, isNull, lt, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { DEFAULT_TENANT, ENDED_RUN_STATUSES } from '../../../schemas/enums';
import { DEFAULT_RETENTION_DAYS } from './access';
import type { Database } from './client';
import * as schema from './schema';
import {
  alertEvents,
  approvals,
  deliveries,
  eventWaits,
  feedback,
  messages,
  runScores,
  runs,
  stepAttempts,
  tenants,
} from './schema';

/* Data lifecycle (issue 19): what a run export reads, what retention and tenant deletion delete. */

/** The approvals of one run, oldest first. */
export function runApprovals(db: Database, tenantId: string, runId: string) {
  return db
    .select()
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.runId, runId)))
    .orderBy(approvals.createdAt, approvals.id);
}

/** The attempts of one run as D1 mirrors them, by step and attempt. */
export function runAttemptRecords(db: Database, tenantId: string, runId: string) {
  return db
    .select()
    .from(stepAttempts)
    .where(and(eq(stepAttempts.tenantId, tenantId), eq(stepAttempts.runId, runId)))
    .orderBy(stepAttempts.dispatchedAt, stepAttempts.stepId, stepAttempts.attempt);
}

/**
 * Every tenant's retention: days runs, attempts, messages and deliveries are kept. The default
 * tenant, which has a row only once changed, keeps `DEFAULT_RETENTION_DAYS` until then.
 */
export async function retentions(db: Database): Promise<{ id: string; days: number }[]> {
  const rows = await db.select({ id: tenants.id, days: tenants.retentionDays }).from(tenants).orderBy(tenants.id);
  return rows.some((r) => r.id === DEFAULT_TENANT)
    ? rows
    : [{ id: DEFAULT_TENANT, days: DEFAULT_RETENTION_DAYS }, ...rows];
}

/** Up to `limit` runs of the tenant created and ended before `cutoff` (ISO 8601), oldest first. */
export async function expiredRunIds(db: Database, tenantId: string, cutoff: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        inArray(runs.status, [...ENDED_RUN_STATUSES]),
        lt(runs.createdAt, cutoff),
        lt(runs.endedAt, cutoff),
      ),
    )
    .orderBy(asc(runs.createdAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** A page of the tenant's run ids, for deleting the tenant's RunObjects. */
export async function runIdsAfter(db: Database, tenantId: string, after: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.tenantId, tenantId), after ? gt(runs.id, after) : undefined))
    .orderBy(runs.id)
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Ids bound in one statement: D1 refuses more than 100 parameters (the tenant id is one more). */
export const IDS_PER_STATEMENT = 90;

/** Deletes runs and every row that belongs to them: attempts, event waits, approvals, messages, deliveries, feedback, alerts, scores. */
export async function deleteRunRows(db: Database, tenantId: string, runIds: string[]): Promise<void> {
  for (let i = 0; i < runIds.length; i += IDS_PER_STATEMENT)
    await deleteRunChunk(db, tenantId, runIds.slice(i, i + IDS_PER_STATEMENT));
}

async function deleteRunChunk(db: Database, tenantId: string, runIds: string[]): Promise<void> {
  if (!runIds.length) return;
  const of = <T extends { tenantId: SQLiteColumn; runId: SQLiteColumn }>(t: T): SQL =>
    and(eq(t.tenantId, tenantId), inArray(t.runId, runIds))!;
  await db.batch([
    db.delete(stepAttempts).where(of(stepAttempts)),
    db.delete(eventWaits).where(of(eventWaits)),
    db.delete(approvals).where(of(approvals)),
    db.delete(messages).where(of(messages)),
    db.delete(deliveries).where(of(deliveries)),
    db.delete(feedback).where(of(feedback)),
    db.delete(alertEvents).where(of(alertEvents)),
    db.delete(runScores).where(of(runScores)),
    db.delete(runs).where(and(eq(runs.tenantId, tenantId), inArray(runs.id, runIds))),
  ]);
}

/** Deletes the tenant's messages, deliveries and alerts of no run recorded before `cutoff` (ISO 8601). */
export async function deleteOldUnlinked(db: Database, tenantId: string, cutoff: string): Promise<void> {
  await db.batch([
    db
      .delete(messages)
      .where(and(eq(messages.tenantId, tenantId), isNull(messages.runId), lt(messages.createdAt, cutoff))),
    db
      .delete(deliveries)
      .where(and(eq(deliveries.tenantId, tenantId), isNull(deliveries.runId), lt(deliveries.createdAt, cutoff))),
    db
      .delete(alertEvents)
      .where(and(eq(alertEvents.tenantId, tenantId), isNull(alertEvents.runId), lt(alertEvents.firedAt, cutoff))),
  ]);
}

/** Every D1 table with a `tenant_id` column (found from the schema, so a new table is not forgotten). */
const TENANT_TABLES = (Object.values(schema) as unknown[]).filter(
  (t): t is SQLiteTable & { tenantId: SQLiteColumn } =>
    typeof t === 'object' &&
    t !== null &&
    'tenantId' in t &&
    (t as { tenantId?: { name?: string } }).tenantId?.name === 'tenant_id',
);

/** Deletes every row of the tenant, in every table, and the tenant itself, in one batch. */
export async function deleteTenantRows(db: Database, tenantId: string): Promise<void> {
  const [first, ...rest] = TENANT_TABLES.map((t) => db.delete(t).where(eq(t.tenantId, tenantId)));
  if (!first) throw new Error('no tenant tables in the schema');
  await db.batch([first, ...rest, db.delete(tenants).where(eq(tenants.id, tenantId))]);
}
