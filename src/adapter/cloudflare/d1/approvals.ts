import { and, desc, eq } from 'drizzle-orm';
import type { ApprovalRequest, ApprovalStatus } from '../../../core/engine/index';
import { iso, type Database } from './client';
import { approvals, auditLog } from './schema';

export type ApprovalRow = typeof approvals.$inferSelect;

/** Records a new approval round as pending (idempotent: an outbox replay inserts nothing). */
export async function insertApproval(
  db: Database,
  tenantId: string,
  workflowName: string,
  a: ApprovalRequest,
): Promise<void> {
  await db
    .insert(approvals)
    .values({
      id: a.id,
      tenantId,
      runId: a.id.split(':')[0]!,
      stepId: a.stepId,
      round: a.round,
      toolCall: a.toolCall ?? null,
      kind: a.budget ? 'budget' : a.toolCall ? 'tool' : 'step',
      workflowName,
      message: a.message,
      options: a.options,
      assignees: a.assignees,
      quorum: a.quorum,
      deadline: iso(a.deadlineAt),
      status: 'pending',
      createdAt: new Date().toISOString(),
    })
    .onConflictDoNothing();
}

/** Closes a pending round with its outcome. @returns false when it was not pending. */
export async function closeApproval(
  db: Database,
  id: string,
  outcome: { status: ApprovalStatus; decidedBy?: string; comment?: string },
): Promise<boolean> {
  const rows = await db
    .update(approvals)
    .set({
      status: outcome.status,
      decidedBy: outcome.decidedBy ?? null,
      comment: outcome.comment ?? null,
      decidedAt: new Date().toISOString(),
    })
    .where(and(eq(approvals.id, id), eq(approvals.status, 'pending')))
    .returning({ id: approvals.id });
  return rows.length > 0;
}

/** One approval round. @returns null when unknown. */
export async function getApproval(db: Database, tenantId: string, id: string): Promise<ApprovalRow | null> {
  return (
    (await db.query.approvals.findFirst({ where: and(eq(approvals.tenantId, tenantId), eq(approvals.id, id)) })) ?? null
  );
}

/** One approval round by its (globally unique) id, whatever the tenant: for signed links and email replies. */
export async function getApprovalById(db: Database, id: string): Promise<ApprovalRow | null> {
  return (await db.query.approvals.findFirst({ where: eq(approvals.id, id) })) ?? null;
}

/** Approval rounds, newest first, optionally by status. */
export function listApprovals(db: Database, tenantId: string, filter: { status?: ApprovalStatus; limit: number }) {
  return db
    .select()
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), filter.status ? eq(approvals.status, filter.status) : undefined))
    .orderBy(desc(approvals.createdAt), desc(approvals.id))
    .limit(filter.limit);
}

/** Appends to the audit log. */
export async function audit(
  db: Database,
  tenantId: string,
  entry: { actor: string; action: string; subject: string; details?: unknown },
): Promise<void> {
  await db
    .insert(auditLog)
    .values({ tenantId, at: new Date().toISOString(), ...entry, details: entry.details ?? null });
}

/** The audit entries about a subject (an approval or run id), oldest first. */
export function auditOf(db: Database, tenantId: string, subject: string) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, tenantId), eq(auditLog.subject, subject)))
    .orderBy(auditLog.id);
}
