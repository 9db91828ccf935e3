import libmime from 'libmime';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'libqp';
import { createMimeMessage, Mailbox } from 'mimetext/browser';

/**
 * Every outgoing message is built here (replies, notes, approvals): mimetext lays out the message
 * (header order, multipart/alternative, CRLF between its parts); libmime (RFC 2047 encoded-words,
 * header folding) and libqp (RFC 2045 §6.7 quoted-printable) encode what mimetext passes through
 * as given. The result has CRLF line ends only, 7-bit bodies in lines ≤ 76 characters, headers
 * folded at 76 and encoded-words ≤ 75 characters (RFC 5322 §2.1.1, §2.2.3; RFC 2047 §2).
 */

/** Header lines are folded at this many characters (RFC 5322 §2.1.1 asks ≤ 78). */
const HEADER_LINE = 76;
/** Encoded-words are cut at this length, under RFC 2047 §2's 75 (Nodemailer's choice). */
const WORD_LENGTH = 52;
/** Longer subjects and display names are cut (they come from inbound mail), characters. */
const MAX_SUBJECT = 500;
const MAX_NAME = 200;
/** Cloudflare refuses replies with 100 or more References (PLATFORM.md); at most this many are kept. */
export const MAX_REFERENCES = 20;
/** A Message-ID Baton repeats in its headers: `<…>`, printable ASCII, bounded (RFC 5322 §3.6.4). */
const MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>$/;
/** Header fields mimetext types as mailboxes. */
const MAILBOX_FIELDS = new Set(['from', 'sender', 'reply-to', 'to', 'cc', 'bcc']);

/** One outgoing message: plain text, optionally an HTML alternative, and its header fields. */
export interface OutgoingMail {
  /** Sender address, and its display name (any text; encoded when not ASCII). */
  from: string;
  fromName?: string;
  to: string;
  /** Unstructured text, any length and script: encoded, cut at 500 characters, folded. */
  subject: string;
  /** Further fields by name (`Message-ID`, `In-Reply-To`, `Reply-To`, `X-…`); empty values are left out. */
  headers?: Record<string, string | undefined>;
  /** Bodies with any line ends (sent as CRLF) and any characters (sent quoted-printable, UTF-8). */
  text: string;
  html?: string;
  /** When the message is sent, epoch ms: its `Date:` field (RFC 5322 §3.6.1). */
  date: number;
}

/** The parent a message answers: its Message-ID and its own threading fields. */
export interface ThreadParent {
  messageId: string;
  references?: string[];
  inReplyTo?: string;
}

/**
 * `In-Reply-To` and `References` of an answer to `parent` (RFC 5322 §3.6.4): the parent's
 * References (else its In-Reply-To) plus its Message-ID; trimmed to {@link MAX_REFERENCES} keeping
 * the first (root) id and the newest. Ids that are not well-formed and bounded are left out.
 */
export function threadHeaders(parent: ThreadParent): { inReplyTo: string; references: string[] } {
  const earlier = parent.references?.length ? parent.references : (parent.inReplyTo ?? '').split(/\s+/);
  const ids = [...new Set([...earlier, parent.messageId].map((id) => id.trim()).filter((id) => MESSAGE_ID.test(id)))];
  const references = ids.length > MAX_REFERENCES ? [ids[0]!, ...ids.slice(-(MAX_REFERENCES - 1))] : ids;
  return { inReplyTo: MESSAGE_ID.test(parent.messageId.trim()) ? parent.messageId.trim() : '', references };
}

/** The raw RFC 5322 message (CRLF, 7-bit) for `mail`. */
export function composeMime(mail: OutgoingMail): string {
  const msg = createMimeMessage();
  // Nothing here reads the clock or randomness: the date is given, and the multipart boundary comes
  // from the Message-ID (unpredictable before the body exists, so no body can contain it).
  const seed = boundarySeed(mail.headers?.['Message-ID'], mail.date);
  msg.boundaries = { mixed: `mix-${seed}`, alt: `alt-${seed}`, related: `rel-${seed}` };
  msg.setHeader('Date', new Date(mail.date).toUTCString().replace('GMT', '+0000'));
  msg.setSender({ addr: mail.from, name: oneLine(mail.fromName ?? '').slice(0, MAX_NAME) });
  msg.setRecipient({ addr: mail.to });
  msg.setSubject(mail.subject);
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    if (!value) continue;
    if (MAILBOX_FIELDS.has(name.toLowerCase())) msg.setHeader(name, new Mailbox(oneLine(value)));
    else msg.setHeader(name, fold(name, oneLine(value)));
  }
  // mimetext writes Subject and mailboxes as one base64 word, unfolded: its field hook does it right.
  for (const field of msg.headers.fields) {
    if (field.name === 'Subject')
      field.dump = (v) => fold('Subject', encodeText(oneLine(String(v ?? '')).slice(0, MAX_SUBJECT)));
    else if (MAILBOX_FIELDS.has(field.name.toLowerCase()))
      field.dump = (v) =>
        fold(
          field.name,
          (Array.isArray(v) ? v : [v])
            .filter((m) => m instanceof Mailbox)
            .map(formatMailbox)
            .join(', '),
        );
  }
  msg.addMessage({ contentType: 'text/plain', data: encodeBody(mail.text), encoding: 'quoted-printable' });
  if (mail.html !== undefined)
    msg.addMessage({ contentType: 'text/html', data: encodeBody(mail.html), encoding: 'quoted-printable' });
  return msg.asRaw();
}

/**
 * The last 20 letters and digits of a Message-ID's local part (its random end: a UUID, a MAC), or
 * the date when there is none; short enough that `Content-Type: …; boundary=` stays within 78.
 */
function boundarySeed(messageId: string | undefined, date: number): string {
  const seed = (messageId ?? '')
    .split('@')[0]!
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-20);
  return seed || String(date);
}

/** Header values are one line: control characters (CR, LF, NUL…) become spaces, so none can inject a field. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return value.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

/** The value of `name: value` folded at whitespace (libmime), without the `name:` prefix mimetext adds. */
function fold(name: string, value: string): string {
  return libmime
    .foldLines(`${name}: ${value}`, HEADER_LINE)
    .slice(name.length + 1)
    .replace(/^ /, '');
}

/** Unstructured text with non-ASCII words as encoded-words; a word too long to fold is encoded whole, in pieces. */
function encodeText(text: string): string {
  const words = libmime.encodeWords(text, 'Q', WORD_LENGTH);
  return words.split(/\s+/).some((w) => w.length > HEADER_LINE - 2)
    ? libmime.encodeWord(text, 'Q', WORD_LENGTH)
    : words;
}

/** `"Name" <addr>`, or `=?UTF-8?Q?…?= <addr>` for a name that is not ASCII (RFC 5322 §3.4, RFC 2047 §5). */
function formatMailbox(mailbox: Mailbox): string {
  const addr = `<${oneLine(mailbox.addr).replace(/[<>\s]/g, '')}>`;
  const name = oneLine(mailbox.name).slice(0, MAX_NAME);
  if (!name) return addr;
  return /^[\x20-\x7e]*$/.test(name)
    ? `"${name.replace(/["\\]/g, '\\$&')}" ${addr}`
    : `${libmime.encodeWord(name, 'Q', WORD_LENGTH)} ${addr}`;
}

/** A body as quoted-printable UTF-8 with CRLF line ends and soft breaks at 76 characters. */
function encodeBody(text: string): string {
  return wrapQuotedPrintable(encodeQuotedPrintable(text.replace(/\r\n|\r|\n/g, '\r\n')), HEADER_LINE);
}
