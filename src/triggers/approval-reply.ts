import EmailReplyParser from 'email-reply-parser';
import { BatonError } from '../core/errors';
import { approvalIdFromMessageId } from '../core/links';
import { getApprovalById } from '../db/approvals';
import { database } from '../db/client';
import type { AppEnv } from '../env';
import { composeNote } from '../runtime/compose-reply';
import { newMessageId, sendRecorded } from '../runtime/mailer';
import type { MessageStatus } from '../schemas/enums';
import type { Decision } from '../schemas/steps';
import { decideApproval } from './decide-approval';

const WORDS: Record<string, Decision> = {
  approve: 'approve', approved: 'approve', yes: 'approve',
  reject: 'reject', rejected: 'reject', no: 'reject',
  'request changes': 'request_changes', 'request change': 'request_changes', 'changes requested': 'request_changes',
};

/**
 * Reads a decision from a reply (issue: approvals by email): quoted text and signatures are
 * stripped by email-reply-parser; the first non-empty line must be `approve`, `reject` or
 * `request changes` (any case, trailing punctuation allowed); the lines after it are the comment.
 * @returns null when the first line is not a decision.
 */
export function parseDecisionReply(text: string): { decision: Decision; comment: string } | null {
  const visible = new EmailReplyParser().read(text.replace(/\r\n/g, '\n')).getVisibleText();
  const lines = visible.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return null;
  const decision = WORDS[lines[first]!.trim().toLowerCase().replace(/[\s.!,:;]+$/, '').replace(/\s+/g, ' ')];
  return decision ? { decision, comment: lines.slice(first + 1).join('\n').trim() } : null;
}

/** The approval an email answers: an approval email's Message-ID in `In-Reply-To` or `References`. */
export function answeredApproval(inReplyTo: string | undefined, references: string | undefined): string | null {
  for (const id of [inReplyTo ?? '', ...(references ?? '').split(/\s+/).reverse()]) {
    const approvalId = id ? approvalIdFromMessageId(id) : null;
    if (approvalId) return approvalId;
  }
  return null;
}

/** An inbound reply to an approval email, as the email trigger parsed it. */
export interface ApprovalReply {
  approvalId: string;
  sender: string;
  /** The address the reply was sent to: the short answer comes from there. */
  to: string;
  subject: string;
  text: string;
  messageId: string;
  references: string[];
}

/**
 * Decides an approval from an assignee's reply. Any other reply (no decision on the first line,
 * not an assignee, already decided) decides nothing and is answered with a short explanation.
 * @returns how the inbound message is recorded.
 */
export async function replyToApproval(env: AppEnv, tenantId: string, reply: ApprovalReply): Promise<{ status: MessageStatus; reason?: string; runId?: string }> {
  const approval = await getApprovalById(database(env.DB), reply.approvalId);
  if (!approval) return { status: 'rejected', reason: `unknown_approval: ${reply.approvalId}` };
  const explain = async (why: string) => sendRecorded(env, tenantId, {
    dedupeId: `approval-answer:${reply.messageId}`, runId: approval.runId, workflow: approval.workflowName,
    compose: () => composeNote({
      from: reply.to, to: reply.sender, subject: /^re:/i.test(reply.subject) ? reply.subject : `Re: ${reply.subject}`, messageId: newMessageId(reply.to),
      thread: { messageId: reply.messageId, references: reply.references },
      text: `${why}\n\nNothing was decided. To decide, reply with approve, reject${approval.options.includes('request_changes') ? ' or request changes' : ''} on the first line; the lines after it are your comment.`,
    }),
  });
  const parsed = parseDecisionReply(reply.text);
  if (!parsed) {
    await explain('Baton could not find a decision on the first line of your reply.');
    return { status: 'rejected', reason: 'approval_reply_without_decision', runId: approval.runId };
  }
  try {
    await decideApproval(env, tenantId, { id: approval.id, decision: parsed.decision, comment: parsed.comment, by: reply.sender, channel: 'email' });
    return { status: 'accepted', runId: approval.runId };
  } catch (err) {
    if (!(err instanceof BatonError)) throw err;
    await explain(`Your reply was not taken: ${err.message}.`);
    return { status: 'rejected', reason: `approval_${err.code}: ${err.message}`, runId: approval.runId };
  }
}
