import { and, count, desc, eq, gte, inArray, isNull, lt, lte, or, sql, sum } from 'drizzle-orm';
import type { AlertDelivery, AlertRuleBody, AlertType } from '../../../schemas/api/alerts';
import type { RunStatus } from '../../../schemas/enums';
import type { Database } from './client';
import { alertEvents, alertRules, runFacts, runs, stepAttempts } from './schema';

export type AlertRuleRow = typeof alertRules.$inferSelect;
export type AlertEventRow = typeof alertEvents.$inferSelect;

/**
 * Stores a rule, replacing one of that name (its cooldown claim kept).
 * @returns whether it is new.
 */
export async function putAlertRule(db: Database, tenantId: string, name: string, rule: AlertRuleBody, now: string) {
  const existing = await getAlertRule(db, tenantId, name);
  const [row] = await db
    .insert(alertRules)
    .values({ tenantId, name, type: rule.type, rule, enabled: rule.enabled, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [alertRules.tenantId, alertRules.name],
      set: { type: rule.type, rule, enabled: rule.enabled, updatedAt: now },
    })
    .returning();
  return { row: row!, created: !existing };
}

export async function getAlertRule(db: Database, tenantId: string, name: string): Promise<AlertRuleRow | undefined> {
  return db.query.alertRules.findFirst({ where: and(eq(alertRules.tenantId, tenantId), eq(alertRules.name, name)) });
}

export function listAlertRules(db: Database, tenantId: string) {
  return db.select().from(alertRules).where(eq(alertRules.tenantId, tenantId)).orderBy(alertRules.name);
}

/** @returns whether a rule of that name existed. */
export async function deleteAlertRule(db: Database, tenantId: string, name: string): Promise<boolean> {
  const gone = await db
    .delete(alertRules)
    .where(and(eq(alertRules.tenantId, tenantId), eq(alertRules.name, name)))
    .returning({ name: alertRules.name });
  return gone.length > 0;
}

/** The tenant's enabled rules of some types. */
export function enabledRules(db: Database, tenantId: string, types: AlertType[]): Promise<AlertRuleRow[]> {
  return db
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.tenantId, tenantId), inArray(alertRules.type, types), eq(alertRules.enabled, true)));
}

/**
 * Every tenant's enabled rules of one type (the cron's checks), at most `limit`, in random order:
 * past the limit, each minute checks another sample, so no tenant's rules starve another's.
 */
export function enabledRulesOfType(db: Database, type: AlertType, limit: number): Promise<AlertRuleRow[]> {
  return db
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.type, type), eq(alertRules.enabled, true)))
    .orderBy(sql`random()`)
    .limit(limit);
}

/** How many rules the tenant has. */
export async function countAlertRules(db: Database, tenantId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(alertRules).where(eq(alertRules.tenantId, tenantId));
  return row?.n ?? 0;
}

/**
 * Claims the rule's next notice, atomically (one UPDATE): succeeds when it never notified or its
 * last notice is at least `cooldownMs` old, so two Workers firing at once notify once.
 * @param now epoch ms
 */
export async function claimNotice(
  db: Database,
  tenantId: string,
  name: string,
  cooldownMs: number,
  now: number,
): Promise<boolean> {
  const claimed = await db
    .update(alertRules)
    .set({ lastNotifiedAt: new Date(now).toISOString() })
    .where(
      and(
        eq(alertRules.tenantId, tenantId),
        eq(alertRules.name, name),
        or(isNull(alertRules.lastNotifiedAt), lte(alertRules.lastNotifiedAt, new Date(now - cooldownMs).toISOString())),
      ),
    )
    .returning({ name: alertRules.name });
  return claimed.length > 0;
}

/**
 * Records an alert once per rule and subject.
 * @returns false when this rule already fired for this subject (a replay).
 */
export async function insertAlertEvent(db: Database, row: AlertEventRow): Promise<boolean> {
  const inserted = await db.insert(alertEvents).values(row).onConflictDoNothing().returning({ id: alertEvents.id });
  return inserted.length > 0;
}

/** Whether the rule already fired for the subject. */
export async function alertFired(db: Database, tenantId: string, rule: string, subject: string): Promise<boolean> {
  const row = await db.query.alertEvents.findFirst({
    where: and(eq(alertEvents.tenantId, tenantId), eq(alertEvents.rule, rule), eq(alertEvents.subject, subject)),
    columns: { id: true },
  });
  return !!row;
}

/** Marks an alert as being notified (its cooldown claimed), before its channels are tried. */
export async function markNotified(db: Database, id: string): Promise<void> {
  await db.update(alertEvents).set({ notified: true }).where(eq(alertEvents.id, id));
}

/** Marks an alert as notified, with how each channel went. */
export async function recordNotice(db: Database, id: string, deliveries: AlertDelivery[]): Promise<void> {
  await db.update(alertEvents).set({ notified: true, deliveries }).where(eq(alertEvents.id, id));
}

/** Alerts newest first; `cursor` is the last one's `firedAt|id`. */
export async function listAlertEvents(
  db: Database,
  tenantId: string,
  filter: { rule?: string; type?: AlertType; limit: number; cursor?: string },
): Promise<{ rows: AlertEventRow[]; nextCursor: string | null }> {
  const [at, id] = filter.cursor?.split('|') ?? [];
  const rows = await db
    .select()
    .from(alertEvents)
    .where(
      and(
        eq(alertEvents.tenantId, tenantId),
        filter.rule ? eq(alertEvents.rule, filter.rule) : undefined,
        filter.type ? eq(alertEvents.type, filter.type) : undefined,
        at && id
          ? or(lt(alertEvents.firedAt, at), and(eq(alertEvents.firedAt, at), lt(alertEvents.id, id)))
          : undefined,
      ),
    )
    .orderBy(desc(alertEvents.firedAt), desc(alertEvents.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > filter.limit && last ? `${last.firedAt}|${last.id}` : null };
}

/** Statuses of the workflow's latest ended runs, newest first (from the analytics rollups). */
export async function latestRunStatuses(
  db: Database,
  tenantId: string,
  workflow: string,
  count: number,
): Promise<RunStatus[]> {
  const rows = await db
    .select({ status: runFacts.status })
    .from(runFacts)
    .where(and(eq(runFacts.tenantId, tenantId), eq(runFacts.workflow, workflow)))
    .orderBy(desc(runFacts.endedAt), desc(runFacts.runId))
    .limit(count);
  return rows.map((r) => r.status);
}

/** What the runs that ended on a UTC day (`YYYY-MM-DD`) cost, USD: the workflow's, or all the tenant's. */
export async function dayCostUsd(db: Database, tenantId: string, day: string, workflow?: string): Promise<number> {
  const start = new Date(`${day}T00:00:00.000Z`);
  const [row] = await db
    .select({ total: sum(runFacts.costUsd) })
    .from(runFacts)
    .where(
      and(
        eq(runFacts.tenantId, tenantId),
        workflow ? eq(runFacts.workflow, workflow) : undefined,
        gte(runFacts.endedAt, start.toISOString()),
        lt(runFacts.endedAt, new Date(start.getTime() + 86_400_000).toISOString()),
      ),
    );
  return Number(row?.total ?? 0);
}

/** A live run and when it last made progress (ISO 8601). */
export interface StuckRun {
  id: string;
  workflow: string;
  status: RunStatus;
  progressAt: string;
}

/**
 * The tenant's running or waiting runs whose last progress (a step attempt dispatched, started or
 * ended; else the run's start) is older than `cutoff`, and that `rule` has not fired for yet.
 * Paused runs are left out: a person paused them.
 */
export async function stuckRuns(
  db: Database,
  tenantId: string,
  filter: { rule: string; workflow?: string; cutoff: string; limit: number },
): Promise<StuckRun[]> {
  const progressAt = sql<string>`coalesce((SELECT max(coalesce(${stepAttempts.endedAt}, ${stepAttempts.startedAt}, ${stepAttempts.dispatchedAt})) FROM ${stepAttempts} WHERE ${stepAttempts.runId} = ${runs.id}), ${runs.startedAt}, ${runs.createdAt})`;
  return db
    .select({ id: runs.id, workflow: runs.workflowName, status: runs.status, progressAt })
    .from(runs)
    .where(
      and(
        eq(runs.tenantId, tenantId),
        inArray(runs.status, ['running', 'waiting']),
        filter.workflow ? eq(runs.workflowName, filter.workflow) : undefined,
        sql`${progressAt} < ${filter.cutoff}`,
        sql`NOT EXISTS (SELECT 1 FROM ${alertEvents} WHERE ${alertEvents.tenantId} = ${runs.tenantId} AND ${alertEvents.rule} = ${filter.rule} AND ${alertEvents.subject} = 'run:' || ${runs.id})`,
      ),
    )
    .limit(filter.limit);
}
