import EmailReplyParser from 'email-reply-parser';
import { BatonError } from '../../core/errors';
import { MAX_TASK_CHARS } from '../../schemas/api/plans';
import type { MessageStatus } from '../../schemas/enums';
import { parseDecisionReply } from '../approval-reply';
import { senderAllowed } from '../email-classify';
import { replySubject } from '../mail/compose-reply';
import { sendPlanMail } from './plan-mail';
import { approvePlan, createPlan, rejectPlan, replan } from './plans';
import type { ApprovalReply } from '../approval-reply';
import type { PlanPorts, PlanRecord, PlanThread } from './ports';

/** An email to the plan alias, as the email trigger parsed it: a reply's fields, without an approval. */
export type PlanEmail = Omit<ApprovalReply, 'approvalId'>;

/** The `plan@` mailbox: its alias and who may ask it for plans. */
export interface PlanDesk {
  /** The alias (lower-case local part), `plan` by default (the `PLAN_ALIAS` setting). */
  alias: string;
  /** Handles one email to the alias. Never throws for what the email says. */
  receive(tenantId: string, mail: PlanEmail): Promise<{ status: MessageStatus; reason?: string; runId?: string }>;
}

/** How many Message-IDs of `References` are looked at (the newest). */
const MAX_REFERENCES_CHECKED = 50;

/** Most characters of an email's text read for a task or feedback (the rest is quoted history or too long anyway). */
const MAX_TEXT_READ = 64_000;

/** The reply's text without quoted lines and signatures, trimmed. */
function visibleText(text: string): string {
  return new EmailReplyParser().read(text.slice(0, MAX_TEXT_READ).replace(/\r\n/g, '\n')).getVisibleText().trim();
}

function threadOf(mail: PlanEmail, sent: number, subject = mail.subject): PlanThread {
  const references = mail.references.length ? mail.references : mail.inReplyTo ? [mail.inReplyTo] : [];
  return { address: mail.to, subject, messageId: mail.messageId, references, sent };
}

/**
 * The `plan@` mailbox (issue 17 item 5). A reply to a plan email (found by its Message-ID in
 * `In-Reply-To`/`References`, never by subject) from the plan's requester decides: `approve`
 * saves and runs it, `reject` ends it, any other text plans again with that text as feedback.
 * A reply from anyone else decides nothing (recorded as rejected). Any other email from an
 * allowed sender (`allow` patterns; none allowed when empty) is a new task.
 */
export async function receivePlanEmail(
  ports: PlanPorts,
  tenantId: string,
  allow: readonly string[],
  mail: PlanEmail,
): Promise<{ status: MessageStatus; reason?: string; runId?: string }> {
  const ids = [mail.inReplyTo ?? '', ...mail.references.slice(-MAX_REFERENCES_CHECKED).reverse()].filter(Boolean);
  const found = ids.length ? await ports.plans.findByMessageIds(tenantId, ids) : null;
  if (found) return replyToPlan(ports, tenantId, found.plan, found.round, mail);
  if (!allow.length || !senderAllowed(mail.sender, [...allow]))
    return { status: 'rejected', reason: `sender_not_allowed: ${mail.sender} may not ask for plans (PLAN_ALLOW)` };
  const task = visibleText(mail.text) || mail.subject.trim();
  if (!task) return { status: 'rejected', reason: 'empty_task: the email has no text' };
  if (task.length > MAX_TASK_CHARS)
    return { status: 'rejected', reason: `task_too_long: ${task.length} characters > ${MAX_TASK_CHARS}` };
  try {
    await createPlan(ports, tenantId, { task, requester: mail.sender, thread: threadOf(mail, 0) });
    return { status: 'accepted' };
  } catch (err) {
    if (!(err instanceof BatonError)) throw err;
    return { status: 'rejected', reason: `plan_${err.code}: ${err.message}` };
  }
}

async function replyToPlan(
  ports: PlanPorts,
  tenantId: string,
  plan: PlanRecord,
  round: number,
  mail: PlanEmail,
): Promise<{ status: MessageStatus; reason?: string; runId?: string }> {
  if (!plan.requester || plan.requester.toLowerCase() !== mail.sender.toLowerCase())
    return {
      status: 'rejected',
      reason: `plan_reply_not_requester: plan ${plan.id} was asked for by another address; ${mail.sender} decides nothing`,
    };
  const thread = threadOf(mail, plan.thread?.sent ?? 0, plan.thread?.subject ?? mail.subject);
  const decision = parseDecisionReply(mail.text.slice(0, MAX_TEXT_READ));
  try {
    // A decision is about the proposal it answers: approving an older plan email must not run a
    // newer proposal its sender may not have read.
    const latest = plan.thread?.sent ?? round;
    if ((decision?.decision === 'approve' || decision?.decision === 'reject') && round !== latest)
      throw new BatonError(
        'conflict',
        `that plan email is not the latest one for plan ${plan.id} (${round} of ${latest}); reply to the latest`,
      );
    if (decision?.decision === 'approve') {
      const approved = await approvePlan(ports, tenantId, plan.id, thread);
      return { status: 'accepted', ...(approved.runId ? { runId: approved.runId } : {}) };
    }
    if (decision?.decision === 'reject') {
      const rejected = await rejectPlan(ports, tenantId, plan.id);
      await sendPlanMail(ports.mailer, tenantId, { ...rejected, thread }, `Plan ${plan.id} is rejected; nothing runs.`);
      return { status: 'accepted' };
    }
    const feedback = decision ? decision.comment : visibleText(mail.text);
    if (!feedback) return { status: 'rejected', reason: 'plan_reply_empty: no decision and no feedback' };
    await replan(ports, tenantId, plan.id, feedback, thread);
    return { status: 'accepted' };
  } catch (err) {
    if (!(err instanceof BatonError)) throw err;
    await ports.mailer.sendNote(tenantId, {
      dedupeId: `plan-answer:${mail.messageId}`,
      runId: plan.runId,
      workflow: plan.workflowName,
      from: mail.to,
      to: mail.sender,
      subject: replySubject(mail.subject),
      thread: {
        messageId: mail.messageId,
        references: mail.references,
        ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
      },
      text: `Your reply was not taken: ${err.message}.`,
    });
    return {
      status: 'rejected',
      reason: `plan_${err.code}: ${err.message}`,
      ...(plan.runId ? { runId: plan.runId } : {}),
    };
  }
}
