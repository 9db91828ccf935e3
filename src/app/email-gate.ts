import { senderAuth } from '../lib/email-auth';
import type { InboundLimit, MailSettings, MessageLog } from '../ports';
import type { MessageStatus } from '../schemas/enums';
import type { HeaderLine } from './email-classify';

/** Whose verdicts are believed when the deployment names none: Cloudflare Email Routing's. */
export const DEFAULT_AUTHSERV_IDS = ['mx.cloudflare.net'];

/** Why the gate stops a message: recorded as its status and reason; it starts and decides nothing. */
export interface GateRefusal {
  status: Extract<MessageStatus, 'rejected' | 'rate_limited'>;
  reason: string;
}

/** What the gate needs to know of one inbound message. */
export interface GateInput {
  headers: HeaderLine[];
  /** The `From:` address (RFC 5322), not the envelope's. */
  fromAddress: string | undefined;
  /** The trigger's `require_auth`, when the message is for one; else the deployment's default holds. */
  requireAuth?: boolean;
  /** The workflow of the alias, for the per-alias limit. */
  workflowName?: string;
}

/**
 * The email gate before any agent (issue 19): a sender counts only when authenticated (see
 * {@link senderAuth}) where the trigger's `require_auth`, else the deployment's `EMAIL_AUTH`,
 * requires it; then the per-sender and per-alias limits of messages that start or decide something.
 * @returns the refusal, else the note an accepted message is recorded with (authentication was
 *   waived by `require_auth: false` although it failed), else null.
 */
export async function gateInbound(
  messages: MessageLog,
  mail: MailSettings,
  tenantId: string,
  input: GateInput,
  now: number,
): Promise<{ refusal: GateRefusal } | { note: string } | null> {
  const auth = mail.auth;
  const required = input.requireAuth ?? auth?.required ?? false;
  let note: string | null = null;
  if (required || auth?.required) {
    const fromAddress = input.fromAddress ?? '';
    // After the first `@`: an address with a second one is refused as no domain name, never read as its tail.
    const domain = fromAddress.includes('@') ? fromAddress.slice(fromAddress.indexOf('@') + 1) : '';
    const verdict = senderAuth(input.headers, domain, auth?.authservIds ?? DEFAULT_AUTHSERV_IDS);
    if (!verdict.pass && required)
      return { refusal: { status: 'rejected', reason: `unauthenticated: ${verdict.reason}` } };
    if (!verdict.pass) note = `unauthenticated_allowed: the trigger sets require_auth: false (${verdict.reason})`;
  }
  const limits = mail.limits;
  const sender = input.fromAddress;
  if (limits?.perSender && sender) {
    const over = await overLimit(messages, tenantId, { from: sender }, limits.perSender, now);
    if (over) return { refusal: { status: 'rate_limited', reason: `sender_rate_limit: ${over} from ${sender}` } };
  }
  if (limits?.perAlias && input.workflowName) {
    const over = await overLimit(messages, tenantId, { workflowName: input.workflowName }, limits.perAlias, now);
    if (over)
      return { refusal: { status: 'rate_limited', reason: `alias_rate_limit: ${over} for ${input.workflowName}` } };
  }
  return note ? { note } : null;
}

/** `limit` reached within the window ending `now` (ms): says so ("30 messages per 3600 s"), else null. */
async function overLimit(
  messages: MessageLog,
  tenantId: string,
  by: { from: string } | { workflowName: string },
  { limit, periodMs }: InboundLimit,
  now: number,
): Promise<string | null> {
  const taken = await messages.countTaken(tenantId, by, new Date(now - periodMs).toISOString());
  return taken >= limit ? `${limit} messages per ${Math.round(periodMs / 1000)} s` : null;
}
