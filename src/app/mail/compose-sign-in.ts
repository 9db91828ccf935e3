import type { ComposedReply } from './compose-reply';
import { composeNotice } from './compose-notice';

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

/** The sign-in email (plain text). */
export function composeSignInEmail(mail: SignInMail): ComposedReply {
  const subject = 'Your Baton sign-in link';
  const text = [
    'Someone (we hope you) asked to sign in to Baton with this address.',
    '',
    ...mail.links.flatMap((l) => [`Sign in to ${l.tenantName}:`, l.url, '']),
    `Each link works once, within ${mail.ttlMinutes} minutes. If you did not ask, ignore this email.`,
  ].join('\n');
  return composeNotice({ from: mail.from, to: mail.to, subject, text, messageId: mail.messageId, now: mail.now });
}
