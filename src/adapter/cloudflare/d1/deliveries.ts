import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { BODY_REPLAY_WINDOW_MS } from '../../../ports';
import type { Database } from './client';
import { deliveries, webhookBodies } from './schema';

export type DeliveryRow = typeof deliveries.$inferSelect;

export { BODY_REPLAY_WINDOW_MS };

/** Records one webhook request and what became of it. */
export async function recordDelivery(
  db: Database,
  tenantId: string,
  d: Omit<typeof deliveries.$inferInsert, 'tenantId' | 'id' | 'createdAt'>,
): Promise<void> {
  await db
    .insert(deliveries)
    .values({ ...d, tenantId, id: `dlv_${crypto.randomUUID()}`, createdAt: new Date().toISOString() });
}

/** Deliveries newest first, optionally of one workflow. */
export function listDeliveries(db: Database, tenantId: string, filter: { workflow?: string; limit: number }) {
  return db
    .select()
    .from(deliveries)
    .where(
      and(
        eq(deliveries.tenantId, tenantId),
        filter.workflow ? eq(deliveries.workflowName, filter.workflow) : undefined,
      ),
    )
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(filter.limit);
}

/**
 * Claims a webhook body for a delivery, in one atomic upsert: the first delivery of a body (or the
 * first after the window of the earlier one passed) stores its idempotency key; any other gets the
 * stored one, so it lands on the same run.
 * @param now epoch ms
 * @returns the idempotency key that holds the body: `key` itself when this delivery claimed it.
 */
export async function claimWebhookBody(
  db: Database,
  tenantId: string,
  claim: { workflow: string; bodyHash: string; key: string },
  now: number,
): Promise<string> {
  const cutoff = new Date(now - BODY_REPLAY_WINDOW_MS).toISOString();
  const expired = sql`${webhookBodies.seenAt} < ${cutoff}`;
  const [row] = await db
    .insert(webhookBodies)
    .values({
      tenantId,
      workflowName: claim.workflow,
      bodyHash: claim.bodyHash,
      idempotencyKey: claim.key,
      seenAt: new Date(now).toISOString(),
    })
    .onConflictDoUpdate({
      target: [webhookBodies.tenantId, webhookBodies.workflowName, webhookBodies.bodyHash],
      set: {
        idempotencyKey: sql`CASE WHEN ${expired} THEN excluded.idempotency_key ELSE ${webhookBodies.idempotencyKey} END`,
        seenAt: sql`CASE WHEN ${expired} THEN excluded.seen_at ELSE ${webhookBodies.seenAt} END`,
      },
    })
    .returning({ key: webhookBodies.idempotencyKey });
  return row?.key ?? claim.key;
}

/** Forgets the bodies whose replay window has passed (a minute's worth when called every minute). @param now epoch ms */
export async function pruneWebhookBodies(db: Database, now: number): Promise<void> {
  await db.delete(webhookBodies).where(lt(webhookBodies.seenAt, new Date(now - BODY_REPLAY_WINDOW_MS).toISOString()));
}
