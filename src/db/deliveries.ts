import { and, desc, eq } from 'drizzle-orm';
import type { Database } from './client';
import { deliveries } from './schema';

export type DeliveryRow = typeof deliveries.$inferSelect;

/** Records one webhook request and what became of it. */
export async function recordDelivery(db: Database, tenantId: string, d: Omit<typeof deliveries.$inferInsert, 'tenantId' | 'id' | 'createdAt'>): Promise<void> {
  await db.insert(deliveries).values({ ...d, tenantId, id: `dlv_${crypto.randomUUID()}`, createdAt: new Date().toISOString() });
}

/** Deliveries newest first, optionally of one workflow. */
export function listDeliveries(db: Database, tenantId: string, filter: { workflow?: string; limit: number }) {
  return db.select().from(deliveries).where(and(eq(deliveries.tenantId, tenantId), filter.workflow ? eq(deliveries.workflowName, filter.workflow) : undefined))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id)).limit(filter.limit);
}
