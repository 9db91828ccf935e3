import { and, desc, eq, gte } from 'drizzle-orm';
import type { Database } from './client';
import { auditLog } from './schema';

/** A filter of `GET /api/audit`: the object, the actor, entries from `since` (ISO 8601), at most `limit`. */
export interface AuditFilter {
  object?: string;
  actor?: string;
  since?: string;
  limit: number;
}

/** The tenant's audit entries matching `filter`, newest first. */
export async function listAudit(db: Database, tenantId: string, filter: AuditFilter) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.tenantId, tenantId),
        filter.object ? eq(auditLog.subject, filter.object) : undefined,
        filter.actor ? eq(auditLog.actor, filter.actor) : undefined,
        filter.since ? gte(auditLog.at, new Date(filter.since).toISOString()) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(filter.limit);
  return rows.map(({ id, at, actor, action, subject, details }) => ({
    id,
    at,
    actor,
    action,
    object: subject,
    details: (details ?? null) as Record<string, unknown> | null,
  }));
}
