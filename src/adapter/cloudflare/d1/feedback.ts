import { and, eq } from 'drizzle-orm';
import type { FeedbackLog } from '../../../ports';
import type { Database } from './client';
import { feedback } from './schema';

export type FeedbackRow = typeof feedback.$inferSelect;

/** Records feedback on a run (see {@link FeedbackLog}). */
export async function recordFeedback(
  db: Database,
  tenantId: string,
  entry: Parameters<FeedbackLog['record']>[1],
  now: string,
): Promise<FeedbackRow> {
  const row = {
    id: `fb_${crypto.randomUUID()}`,
    tenantId,
    runId: entry.runId,
    rating: entry.rating,
    comment: entry.comment || null,
    source: entry.source,
    by: entry.by,
    messageId: entry.messageId ?? null,
    createdAt: now,
  };
  await db.insert(feedback).values(row).onConflictDoNothing();
  return row;
}

/** A run's feedback, oldest first. */
export function runFeedback(db: Database, tenantId: string, runId: string) {
  return db
    .select()
    .from(feedback)
    .where(and(eq(feedback.tenantId, tenantId), eq(feedback.runId, runId)))
    .orderBy(feedback.createdAt, feedback.id);
}
