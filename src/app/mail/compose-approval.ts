import type { ApprovalRequest } from '../../core/engine/index';
import { approvalMessageId, signLink, type LinkClaim } from '../../lib/links';
import type { Decision } from '../../schemas/steps';
import type { ComposedReply } from './compose-reply';
import { escapeHtml, markdownToHtml } from '../../core/markdown';
import { composeMime } from './mime';

/** How long a link stays valid when the approval has no deadline, seconds. */
export const LINK_TTL_S = 7 * 24 * 3600;

const LABEL: Record<Decision, string> = { approve: 'Approve', reject: 'Reject', request_changes: 'Request changes' };

/** What an approval email needs besides the request. */
export interface ApprovalMail {
  approval: ApprovalRequest;
  workflow: string;
  from: string;
  to: string;
  /** Base URL for the signed links. */
  baseUrl: string;
  signingKey: string;
  /** Epoch ms. */
  now: number;
  /** A fresh random token (hex or letters) for the Message-ID, from the host: mail composition draws no randomness. */
  nonce: string;
  /** `reminder` for an escalation; `notice` for someone who is told but cannot decide. */
  kind?: 'request' | 'reminder' | 'notice';
  /** Further header fields (e.g. `Reply-To`), added as given. */
  headers?: Record<string, string>;
}

/** A signed link deciding `decision` on the approval as `assignee`. */
export async function decisionLink(baseUrl: string, key: string, claim: LinkClaim): Promise<string> {
  const sig = await signLink(key, claim);
  const query = new URLSearchParams({ d: claim.decision, a: claim.assignee, exp: String(claim.exp), sig });
  return `${baseUrl}/hooks/approvals/${encodeURIComponent(claim.approvalId)}?${query}`;
}

/**
 * The email asking an assignee to decide (issue: approvals by email): the message, the run's
 * context, the options as signed, expiring links, and how to decide by replying. Its Message-ID
 * carries the approval id with a MAC, so a reply is matched by `In-Reply-To` and cannot be guessed.
 * Encoded by {@link composeMime}.
 */
export async function composeApprovalEmail(mail: ApprovalMail): Promise<ComposedReply> {
  const { approval, kind = 'request' } = mail;
  const exp = Math.floor((approval.deadlineAt ?? mail.now + LINK_TTL_S * 1000) / 1000);
  const links =
    kind === 'notice'
      ? []
      : await Promise.all(
          approval.options.map(async (decision) => ({
            decision,
            url: await decisionLink(mail.baseUrl, mail.signingKey, {
              approvalId: approval.id,
              decision,
              assignee: mail.to,
              exp,
            }),
          })),
        );
  const deadline = approval.deadlineAt ? `Deadline: ${new Date(approval.deadlineAt).toISOString()}.` : 'No deadline.';
  const quorum =
    approval.quorum > 1 ? ` ${approval.quorum} of ${approval.assignees.length} assignees must approve.` : '';
  const how =
    kind === 'notice'
      ? `This approval is waiting for ${approval.assignees.join(', ')}; you are told because it has not been decided yet.`
      : `Reply to this email with approve, reject or request changes on the first line; the lines after it are your comment.${links.length ? ' Or use a link:' : ''}`;
  const context = `Workflow ${mail.workflow} · step ${approval.stepId} · round ${approval.round} · run ${approval.id.split(':')[0]}`;
  const text = [
    approval.message,
    '',
    how,
    ...links.map((l) => `- ${LABEL[l.decision]}: ${l.url}`),
    '',
    `${deadline}${quorum}`,
    '-- ',
    context,
  ].join('\n');
  const html =
    `<div>${markdownToHtml(approval.message)}</div><p>${escapeHtml(how)}</p>` +
    (links.length
      ? `<p>${links.map((l) => `<a href="${escapeHtml(l.url)}">${LABEL[l.decision]}</a>`).join(' · ')}</p>`
      : '') +
    `<p>${escapeHtml(deadline + quorum)}</p><hr><p style="color:#666;font-size:12px">${escapeHtml(context)}</p>`;
  const domain = mail.from.split('@')[1] ?? 'baton.local';
  const messageId = await approvalMessageId(mail.signingKey, approval.id, domain, mail.nonce);
  const prefix = kind === 'request' ? 'Approval needed' : 'Reminder: approval needed';
  const what = approval.toolCall ? `${approval.stepId} calls ${approval.toolCall.tool}` : approval.stepId;
  const subject = approval.budget
    ? `${kind === 'request' ? 'Budget approval needed' : 'Reminder: budget approval needed'}: ${mail.workflow}`
    : `${prefix}: ${mail.workflow} / ${what}`;
  const raw = composeMime({
    from: mail.from,
    fromName: `${mail.workflow} (Baton)`,
    to: mail.to,
    subject,
    text,
    html,
    date: mail.now,
    headers: {
      'Message-ID': messageId,
      'Auto-Submitted': 'auto-generated',
      'X-Baton-Approval': approval.id,
      ...mail.headers,
    },
  });
  return { from: mail.from, to: mail.to, subject, messageId, inReplyTo: '', references: '', raw };
}
