import type { ComposedReply } from './compose-reply';
import { composeMime } from './mime';

/** A sign-in email: one link per tenant the address is a member of. */
export interface SignInMail {
  from: string;
  to: string;
  links: { tenantName: string; url: string }[];
  /** Minutes the links work. */
  ttlMinutes: number;
  messageId: string;
  /** Epoch ms: the `Date:` field. */
  now: number;
}

/** The sign-in email (plain text; `Auto-Submitted` keeps auto-responders from answering). */
export function composeSignInEmail(mail: SignInMail): ComposedReply {
  const subject = 'Your Baton sign-in link';
  const text = [
    'Someone (we hope you) asked to sign in to Baton with this address.',
    '',
    ...mail.links.flatMap((l) => [`Sign in to ${l.tenantName}:`, l.url, '']),
    `Each link works once, within ${mail.ttlMinutes} minutes. If you did not ask, ignore this email.`,
  ].join('\n');
  const raw = composeMime({
    from: mail.from,
    fromName: 'Baton',
    to: mail.to,
    subject,
    text,
    date: mail.now,
    headers: { 'Message-ID': mail.messageId, 'Auto-Submitted': 'auto-generated' },
  });
  return { from: mail.from, to: mail.to, subject, messageId: mail.messageId, inReplyTo: '', references: '', raw };
}
