import type { ComposedReply } from './compose-reply';
import { composeMime } from './mime';

/** A message Baton sends on its own account, in no thread: a sign-in link, an alert. */
export interface NoticeMail {
  from: string;
  to: string;
  subject: string;
  /** Plain text, any line ends. */
  text: string;
  messageId: string;
  /** Epoch ms: the `Date:` field. */
  now: number;
}

/**
 * A plain-text notice from "Baton"; `Auto-Submitted: auto-generated` (RFC 3834 §5) keeps
 * auto-responders from answering it.
 */
export function composeNotice(mail: NoticeMail): ComposedReply {
  const raw = composeMime({
    from: mail.from,
    fromName: 'Baton',
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    date: mail.now,
    headers: { 'Message-ID': mail.messageId, 'Auto-Submitted': 'auto-generated' },
  });
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    messageId: mail.messageId,
    inReplyTo: '',
    references: '',
    raw,
  };
}
