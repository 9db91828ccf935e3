import EmailReplyParser from 'email-reply-parser';
import { BatonError } from '../core/errors';
import { checkApprovalMessageId, type ApprovalMessageIdCheck } from '../lib/links';
import type { MessageLog, ReceiveEmailPorts } from '../ports';
import type { MessageStatus } from '../schemas/enums';
import type { Decision } from '../schemas/steps';
import { decideApproval } from './decide-approval';

const WORDS: Record<string, Decision> = {
  approve: 'approve',
  approved: 'approve',
  yes: 'approve',
  reject: 'reject',
  rejected: 'reject',
  no: 'reject',
  'request changes': 'request_changes',
  'request change': 'request_changes',
  'changes requested': 'request_changes',
};

/**
 * Reads a decision from a reply (issue: approvals by email): quoted text and signatures are
 * stripped by email-reply-parser; the first non-empty line must be `approve`, `reject` or
 * `request changes` (any case, trailing punctuation allowed); the lines after it are the comment.
 * The comment may also follow on the same line after a colon or a dash (`reject: not this one`).
 * @returns null when the first line is not a decision.
 */
export function parseDecisionReply(text: string): { decision: Decision; comment: string } | null {
  const visible = new EmailReplyParser().read(text.replace(/\r\n/g, '\n')).getVisibleText();
  const lines = visible.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return null;
  const line = lines[first]!.trim();
  const rest = lines
    .slice(first + 1)
    .join('\n')
    .trim();
  const decision = WORDS[wordOf(line)];
  if (decision) return { decision, comment: rest };
  // `reject: not this one` — the word, a colon or a dash, and the comment on the same line.
  const inline = /^([a-z ]+?)\s*[:\u2013\u2014-]\s*(\S.*)$/i.exec(line);
  const said = inline ? WORDS[wordOf(inline[1]!)] : undefined;
  if (!said) return null;
  return { decision: said, comment: [inline![2]!.trim(), rest].filter(Boolean).join('\n') };
}

/** A decision line as WORDS spells it: lower case, single spaces, no trailing punctuation. */
function wordOf(line: string): string {
  return line
    .toLowerCase()
    .replace(/[\s.!,:;]+$/, '')
    .replace(/\s+/g, ' ');
}

/** How many Message-IDs of `References` are looked at (the newest), so a long header costs little. */
const MAX_REFERENCES_CHECKED = 50;

/**
 * The approval an email answers: an approval email's Message-ID in `In-Reply-To` or `References`
 * whose MAC verifies (see {@link checkApprovalMessageId}). When only approval-shaped ids without a
 * valid MAC are there, the first of them, `forged`: it decides nothing.
 * @returns null when no Message-ID is approval-shaped.
 */
export async function answeredApproval(
  secret: string,
  inReplyTo: string | undefined,
  references: string | undefined,
): Promise<ApprovalMessageIdCheck | null> {
  let forged: ApprovalMessageIdCheck | null = null;
  const ids = [inReplyTo ?? '', ...(references ?? '').split(/\s+/).slice(-MAX_REFERENCES_CHECKED).reverse()].filter(
    Boolean,
  );
  for (const id of ids) {
    const check = await checkApprovalMessageId(secret, id);
    if (check?.verdict === 'valid') return check;
    forged ??= check;
  }
  return forged;
}

/**
 * The approval an email answers, by the Message-ID Baton wrote (its MAC, {@link answeredApproval})
 * or by the one the `send_email` binding delivered the approval email with, as recorded.
 * A recorded id wins over approval-shaped ids that do not verify.
 * @returns null when the email answers no approval email.
 */
export async function findAnsweredApproval(
  messages: MessageLog,
  tenantId: string,
  secret: string,
  inReplyTo: string | undefined,
  references: string | undefined,
): Promise<ApprovalMessageIdCheck | null> {
  const signed = await answeredApproval(secret, inReplyTo, references);
  if (signed?.verdict === 'valid') return signed;
  const ids = [inReplyTo ?? '', ...(references ?? '').split(/\s+/).slice(-MAX_REFERENCES_CHECKED).reverse()]
    .map((id) => id.trim())
    .filter(Boolean);
  const sent = await messages.findApprovalMail(tenantId, ids);
  return sent ? { verdict: 'valid', approvalId: sent.approvalId } : signed;
}

/** The reason an inbound reply with an approval id that does not verify is recorded with. */
export function forgedReason(check: ApprovalMessageIdCheck): string {
  const why =
    check.verdict === 'unsigned'
      ? 'it carries no MAC (approval emails sent before MACs cannot be answered by email; use their links)'
      : 'its MAC does not verify';
  return `forged_approval_id: the approval Message-ID for ${JSON.stringify(check.approvalId.slice(0, 200))} was not sent by Baton: ${why}`;
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
  /** The reply's own In-Reply-To: the thread of Baton's answer falls back on it without References. */
  inReplyTo?: string;
}

/**
 * Decides an approval from an assignee's reply (its approval id already verified, see
 * {@link answeredApproval}). Any other reply (no decision on the first line, not an assignee,
 * already decided) decides nothing; it is answered with a short explanation only when the sender
 * is an assignee of that approval, so a forged `From:` never makes Baton mail a third party.
 * @returns how the inbound message is recorded.
 */
export async function replyToApproval(
  ports: ReceiveEmailPorts,
  tenantId: string,
  reply: ApprovalReply,
): Promise<{ status: MessageStatus; reason?: string; runId?: string }> {
  const approval = await ports.approvals.getById(reply.approvalId);
  if (!approval) return { status: 'rejected', reason: `unknown_approval: ${reply.approvalId}` };
  const assignee = approval.assignees.some((a) => a.toLowerCase() === reply.sender.toLowerCase());
  const explain = async (why: string) => {
    if (!assignee) return;
    await ports.mailer.sendNote(tenantId, {
      dedupeId: `approval-answer:${reply.messageId}`,
      runId: approval.runId,
      workflow: approval.workflowName,
      from: reply.to,
      to: reply.sender,
      subject: /^re:/i.test(reply.subject) ? reply.subject : `Re: ${reply.subject}`,
      thread: {
        messageId: reply.messageId,
        references: reply.references,
        ...(reply.inReplyTo ? { inReplyTo: reply.inReplyTo } : {}),
      },
      text: `${why}\n\nNothing was decided. To decide, reply with approve, reject${approval.options.includes('request_changes') ? ' or request changes' : ''} on the first line; the lines after it are your comment.`,
    });
  };
  const parsed = parseDecisionReply(reply.text);
  if (!parsed) {
    await explain('Baton could not find a decision on the first line of your reply.');
    return { status: 'rejected', reason: 'approval_reply_without_decision', runId: approval.runId };
  }
  try {
    await decideApproval(ports, tenantId, {
      id: approval.id,
      decision: parsed.decision,
      comment: parsed.comment,
      by: reply.sender,
      channel: 'email',
      messageId: reply.messageId,
    });
    return { status: 'accepted', runId: approval.runId };
  } catch (err) {
    if (!(err instanceof BatonError)) throw err;
    await explain(`Your reply was not taken: ${err.message}.`);
    return { status: 'rejected', reason: `approval_${err.code}: ${err.message}`, runId: approval.runId };
  }
}
