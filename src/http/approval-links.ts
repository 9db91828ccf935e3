import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { BatonError } from '../core/errors';
import { parseLinkExp, verifyLink, type LinkClaim } from '../lib/links';
import { getApprovalById } from '../adapter/cloudflare/d1/approvals';
import { database } from '../adapter/cloudflare/d1/client';
import { linkSigningKey } from '../adapter/cloudflare/env';
import { Decision } from '../schemas/steps';
import { decideApproval } from '../adapter/cloudflare/triggers/decide-approval';
import type { HonoEnv } from './context';
import { page } from './pages';

const LABEL: Record<Decision, string> = { approve: 'Approve', reject: 'Reject', request_changes: 'Request changes' };

/** The claim a link's query carries, or null when a part is missing. */
function claimOf(c: Context<HonoEnv>): { claim: LinkClaim; sig: string } | null {
  const q = (k: string) => c.req.query(k) ?? '';
  const decision = Decision.safeParse(q('d'));
  if (!decision.success || !q('a') || !q('exp') || !q('sig')) return null;
  // A non-canonical spelling of exp (1796120972.0, 0x…) is NaN here, so the link is not valid.
  return {
    claim: {
      approvalId: c.req.param('id')!,
      decision: decision.data,
      assignee: q('a'),
      exp: parseLinkExp(q('exp')) ?? Number.NaN,
    },
    sig: q('sig'),
  };
}

/**
 * Signed approval links (`/hooks/approvals/:id?d=&a=&exp=&sig=`, no login): GET shows what is
 * decided and asks to confirm (so mail scanners that open links decide nothing); POST decides, once.
 * Tampered links answer 403, expired ones 410, used or decided ones 409, each with a page that says so.
 */
export const approvalLinks = new Hono<HonoEnv>();

approvalLinks.on(['GET', 'POST'], '/hooks/approvals/:id', async (c) => {
  const link = claimOf(c);
  if (!link)
    return page(
      c,
      400,
      'Incomplete link',
      html`<p>This link is missing a part. Open it from the approval email again, or reply to that email.</p>`,
    );
  const verdict = await verifyLink(linkSigningKey(c.env), link.claim, link.sig, Math.floor(Date.now() / 1000));
  if (verdict === 'invalid')
    return page(
      c,
      403,
      'Link not valid',
      html`<p>This link was changed or is not one Baton sent. Nothing was decided.</p>`,
    );
  if (verdict === 'expired')
    return page(
      c,
      410,
      'Link expired',
      html`<p>This link expired on ${new Date(link.claim.exp * 1000).toISOString()}. Nothing was decided; reply to the approval email instead, if it is still open.</p>`,
    );
  const approval = await getApprovalById(database(c.env.DB), link.claim.approvalId);
  if (!approval) return page(c, 404, 'Unknown approval', html`<p>This approval does not exist (any more).</p>`);
  const label = LABEL[link.claim.decision];
  if (approval.status !== 'pending') {
    return page(
      c,
      409,
      'Already decided',
      html`<p>This approval is already ${approval.status.replace('_', ' ')}${approval.decidedBy ? ` by ${approval.decidedBy}` : ''}${approval.decidedAt ? ` at ${approval.decidedAt}` : ''}.</p>`,
    );
  }
  if (c.req.method === 'GET') {
    return page(
      c,
      200,
      `${label}?`,
      html`<p>${approval.workflowName} · step ${approval.stepId} · as ${link.claim.assignee}</p><pre>${approval.message}</pre>
<form method="post"><label for="comment">Comment (optional)</label><textarea id="comment" name="comment"></textarea><p><button type="submit">${label}</button></p></form>`,
    );
  }
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const comment = typeof form.comment === 'string' ? form.comment : undefined;
  try {
    await decideApproval(c.env, approval.tenantId, {
      id: approval.id,
      decision: link.claim.decision,
      comment,
      by: link.claim.assignee,
      channel: 'link',
    });
  } catch (err) {
    if (err instanceof BatonError && err.code === 'conflict')
      return page(c, 409, 'Already decided', html`<p>${err.message}. Nothing changed.</p>`);
    throw err;
  }
  return page(
    c,
    200,
    'Thank you',
    html`<p>Your decision (${label.toLowerCase()}) on ${approval.workflowName} / ${approval.stepId} is recorded.</p>`,
  );
});
