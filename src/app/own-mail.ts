import type { MessageLog, WorkflowCatalog } from '../ports';
import { aliasOf, type HeaderLine } from './email-classify';

/** Headers Baton puts on the mail it sends (run replies, approval requests). */
const OWN_HEADERS = ['x-baton-run', 'x-baton-approval'];

/** What the trigger knows of an inbound message when it asks whether Baton sent it. */
export interface InboundIdentity {
  headers: HeaderLine[];
  messageId: string;
  /** The `From:` address and the SMTP MAIL FROM. */
  senders: string[];
  /** The address the message was delivered to. */
  to: string;
  /** MAIL_DOMAIN: the domain Baton sends from when a run was not started by email. */
  mailDomain: string;
}

const domainOf = (address: string) => (address.split('@')[1] ?? '').toLowerCase();

/**
 * True when an inbound message is Baton's own mail come back (a relay or forwarder that strips
 * `Auto-Submitted` would otherwise make Baton answer itself, a mail loop): it carries Baton's
 * `X-Baton-*` headers, its Message-ID is one Baton sent, or it comes from one of Baton's own
 * addresses — an email alias of the tenant (or `baton`) at the domain it was delivered to or
 * at MAIL_DOMAIN, the addresses Baton sends from.
 */
export async function isOwnMail(
  ports: { messages: MessageLog; workflows: WorkflowCatalog },
  tenantId: string,
  mail: InboundIdentity,
): Promise<boolean> {
  if (mail.headers.some((h) => OWN_HEADERS.includes(h.key))) return true;
  if (await ports.messages.sentByUs(tenantId, mail.messageId)) return true;
  const ownDomains = new Set([domainOf(mail.to), mail.mailDomain.toLowerCase()].filter(Boolean));
  for (const sender of new Set(mail.senders.filter(Boolean).map((s) => s.toLowerCase()))) {
    if (!ownDomains.has(domainOf(sender))) continue;
    const local = aliasOf(sender);
    if (local === 'baton' || (await ports.workflows.emailRoute(tenantId, local))) return true;
  }
  return false;
}
