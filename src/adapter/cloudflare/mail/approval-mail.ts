import type { ApprovalRequest, RunState } from '../../../core/engine/index';
import { audit, closeApproval, getApproval, insertApproval, type ApprovalRow } from '../d1/approvals';
import { database } from '../d1/client';
import { linkSigningKey, publicUrl, type AppEnv } from '../env';
import { composeApprovalEmail } from '../../../app/mail/compose-approval';
import { composeNote } from '../../../app/mail/compose-reply';
import { newMessageId, sendRecorded, triggerEmail } from './mailer';
import { unreachable } from '../../../core/unreachable';
import type { OutboxCommand } from '../run/outbox-command';

/**
 * The address a run's emails come from: the alias its email arrived at, else the workflow's first
 * email alias at MAIL_DOMAIN, else `baton@MAIL_DOMAIN`.
 */
export function senderOf(env: AppEnv, state: RunState): string {
  const email = triggerEmail(state);
  if (email) return email.to;
  const alias = state.definition.triggers.flatMap((t) => ('email' in t ? [t.email.alias] : []))[0] ?? 'baton';
  return `${alias}@${env.MAIL_DOMAIN || 'baton.local'}`;
}

async function mailRound(
  env: AppEnv,
  tenantId: string,
  state: RunState,
  approval: ApprovalRequest,
  kind: 'request' | 'reminder',
  extra: string[] = [],
): Promise<void> {
  const from = senderOf(env, state);
  const base = { approval, workflow: state.workflow, from, baseUrl: publicUrl(env), signingKey: linkSigningKey(env) };
  const people = [
    ...approval.assignees.map((to) => ({ to, kind })),
    ...extra.map((to) => ({ to, kind: 'notice' as const })),
  ];
  for (const { to, kind: as } of people) {
    const now = Date.now();
    // A reply to the signed address decides until the deadline (none for a notice: its reader cannot
    // decide). Without a deadline it never expires: the approval's own state decides (0 = no expiry).
    const exp = approval.deadlineAt ? Math.floor(approval.deadlineAt / 1000) : 0;
    await sendRecorded(env, tenantId, {
      dedupeId: `approval:${approval.id}:${as}:${to.toLowerCase()}`,
      runId: state.runId,
      workflow: state.workflow,
      approvalId: approval.id,
      ...(as === 'notice' ? {} : { replyTo: { from, kind: 'approval' as const, exp } }),
      compose: (replyTo) =>
        composeApprovalEmail({
          ...base,
          to,
          kind: as,
          now,
          nonce: crypto.randomUUID().replace(/-/g, ''),
          ...(replyTo ? { headers: { 'Reply-To': replyTo } } : {}),
        }),
    });
  }
}

/**
 * Carries out an approval command of the outbox: records a new round and emails its assignees;
 * re-notifies on escalation; closes a decided round and tells the person whose email started the
 * run. Idempotent, so an outbox replay is harmless.
 */
export async function carryOutApproval(
  env: AppEnv,
  tenantId: string,
  state: RunState,
  entry: Extract<OutboxCommand, { type: 'RequestApproval' | 'CloseApproval' | 'EscalateApproval' }>,
): Promise<void> {
  const db = database(env.DB);
  switch (entry.type) {
    case 'RequestApproval':
      await insertApproval(db, tenantId, state.workflow, entry.approval);
      await mailRound(env, tenantId, state, entry.approval, 'request');
      return;
    case 'EscalateApproval': {
      const row = await getApproval(db, tenantId, entry.approvalId);
      if (row?.status !== 'pending') return;
      const approval: ApprovalRequest = {
        id: row.id,
        stepId: row.stepId,
        round: row.round,
        message: row.message,
        assignees: row.assignees,
        options: row.options as ApprovalRequest['options'],
        quorum: row.quorum,
        deadlineAt: row.deadline ? Date.parse(row.deadline) : null,
      };
      await mailRound(env, tenantId, state, approval, 'reminder', entry.to);
      return;
    }
    case 'CloseApproval': {
      const row = await getApproval(db, tenantId, entry.approvalId);
      if (row) await closeRound(env, tenantId, state, entry, row.kind);
      return;
    }
    default:
      unreachable(entry, 'approval command');
  }
}

/** Closes a decided round and tells the person whose email started the run. */
async function closeRound(
  env: AppEnv,
  tenantId: string,
  state: RunState,
  entry: Extract<OutboxCommand, { type: 'CloseApproval' }>,
  kind: ApprovalRow['kind'],
): Promise<void> {
  const db = database(env.DB);
  if (!(await closeApproval(db, entry.approvalId, entry))) return;
  await audit(db, tenantId, {
    actor: entry.decidedBy ?? 'system',
    action: `approval.${entry.status}`,
    subject: entry.approvalId,
    details: { runId: state.runId, stepId: entry.stepId, comment: entry.comment ?? null },
  });
  const requester = triggerEmail(state);
  if (!requester || entry.status === 'cancelled') return;
  const what = entry.status.replace('_', ' ');
  const which = kind === 'budget' ? `budget approval (step "${entry.stepId}" waited)` : `approval "${entry.stepId}"`;
  const text = `The ${which} of ${state.workflow} was ${what === 'changes requested' ? 'answered with changes requested' : what} by ${entry.decidedBy}${entry.comment ? `:\n\n${entry.comment}` : '.'}\n\nRun id: ${state.runId}`;
  await sendRecorded(env, tenantId, {
    dedupeId: `approval-note:${entry.approvalId}`,
    runId: state.runId,
    workflow: state.workflow,
    compose: () =>
      composeNote({
        from: requester.to,
        to: requester.from,
        subject: `Decision: ${state.workflow} / ${entry.stepId} ${what}`,
        text,
        messageId: newMessageId(requester.to),
        now: Date.now(),
        thread: { messageId: requester.messageId, references: requester.references, inReplyTo: requester.inReplyTo },
      }),
  });
}
