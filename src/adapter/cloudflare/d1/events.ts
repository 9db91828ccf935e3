import { and, eq } from 'drizzle-orm';
import type { Database } from './client';
import { eventWaits } from './schema';

/** Records that a run's step waits for an event type (idempotent). */
export async function insertEventWait(
  db: Database,
  tenantId: string,
  wait: { runId: string; stepId: string; eventType: string },
): Promise<void> {
  await db
    .insert(eventWaits)
    .values({ tenantId, ...wait, createdAt: new Date().toISOString() })
    .onConflictDoNothing();
}

/** Forgets a step's wait (idempotent). */
export async function deleteEventWait(db: Database, runId: string, stepId: string): Promise<void> {
  await db.delete(eventWaits).where(and(eq(eventWaits.runId, runId), eq(eventWaits.stepId, stepId)));
}

/** Ids of the runs with a step waiting for this event type. */
export async function runsWaitingFor(db: Database, tenantId: string, eventType: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ runId: eventWaits.runId })
    .from(eventWaits)
    .where(and(eq(eventWaits.tenantId, tenantId), eq(eventWaits.eventType, eventType)));
  return rows.map((r) => r.runId);
}
