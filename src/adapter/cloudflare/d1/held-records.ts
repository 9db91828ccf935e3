import { and, eq } from 'drizzle-orm';
import type { Database } from './client';
import { deliveries, messages } from './schema';

/**
 * Re-records the triggers a `debounce`/`batch` buffer held for `runId` once its release was skipped
 * by the workflow's `singleton` (mode skip): each webhook delivery and inbound email that was
 * answered with `runId` becomes `skipped`, pointing at the run that was active, so none of them
 * points at a run that never came to be. Both updates go in one D1 batch.
 */
export async function recordHeldSkipped(
  db: Database,
  tenantId: string,
  runId: string,
  activeRunId: string,
): Promise<void> {
  const reason = `singleton: run ${activeRunId} was active when the held run ${runId} was released`;
  await db.batch([
    db
      .update(deliveries)
      .set({ status: 'skipped', reason, runId: activeRunId })
      .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.runId, runId))),
    db
      .update(messages)
      .set({ status: 'skipped', reason, runId: activeRunId })
      .where(and(eq(messages.tenantId, tenantId), eq(messages.runId, runId), eq(messages.direction, 'inbound'))),
  ]);
}
