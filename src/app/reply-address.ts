import { checkReplyToken, plusTagOf } from '../lib/reply-token';
import type { MessageLog, SentMessage } from '../ports';

/**
 * What the signed `+tag` of the address an inbound message was delivered to leads to: the
 * approval email or the result email it answers, or why it decides nothing.
 */
export type AddressedReply =
  | { kind: 'approval'; approvalId: string; sentTo: string }
  | { kind: 'conversation'; sent: SentMessage }
  | { kind: 'rejected'; reason: string };

/**
 * Reads a signed reply address (`<alias>+<token>@<domain>`, see src/lib/reply-token.ts) from the
 * envelope recipient. A token-shaped tag whose MAC does not verify is `forged_reply_token`, one past
 * its expiry `expired_reply_token`, one Baton has no record of `unknown_reply_token`: each decides nothing.
 * @param now epoch seconds
 * @returns null when the address carries no token-shaped tag (an ordinary `+tag` or none).
 */
export async function addressedReply(
  messages: MessageLog,
  secret: string,
  tenantId: string,
  to: string,
  now: number,
): Promise<AddressedReply | null> {
  const tag = plusTagOf(to);
  const check = tag ? await checkReplyToken(secret, tenantId, tag, now) : null;
  if (!check) return null;
  const shown = JSON.stringify(tag);
  if (check.verdict === 'forged')
    return {
      kind: 'rejected',
      reason: `forged_reply_token: the reply address ${shown} was not issued by Baton: its MAC does not verify`,
    };
  if (check.verdict === 'expired')
    return {
      kind: 'rejected',
      reason: `expired_reply_token: the reply address ${shown} expired at ${new Date(check.exp * 1000).toISOString()}`,
    };
  const sent = await messages.findByReplyToken(tenantId, check.id);
  if (!sent)
    return { kind: 'rejected', reason: `unknown_reply_token: no message Baton sent has the reply address ${shown}` };
  if (check.kind === 'approval') {
    return sent.approvalId
      ? { kind: 'approval', approvalId: sent.approvalId, sentTo: sent.to }
      : { kind: 'rejected', reason: `unknown_reply_token: the reply address ${shown} belongs to no approval email` };
  }
  return { kind: 'conversation', sent };
}
