/**
 * Recognises mail that must never start a run or get an answer (CONTRACT.md "Email": `ignored`),
 * so Baton takes part in no mail loop: auto-replies (RFC 3834), bounces and delivery status
 * notifications (RFC 3464), read receipts (RFC 8098), abuse reports (RFC 5965) and list traffic
 * (RFC 2369, RFC 2919). Vendor headers and subject prefixes cover auto-responders that ignore RFC 3834.
 */

/** A header as postal-mime gives it: lower-case key, decoded value. */
export interface HeaderLine {
  key: string;
  value: string;
}

const REPORT_TYPES: Record<string, string> = {
  'delivery-status': 'bounce',
  'disposition-notification': 'read_receipt',
  'feedback-report': 'feedback_report',
};

const AUTO_REPLY_SUBJECT =
  /^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|abwesenheitsnotiz|r[ée]ponse automatique)\b/i;
const BOUNCE_SENDER = /^(mailer-daemon|postmaster)@/i;

/**
 * @param envelopeFrom the SMTP MAIL FROM; empty for the null reverse-path of bounces (RFC 5321 §4.5.5).
 * @returns why the message is ignored (`auto_reply`, `bounce`, `read_receipt`, `feedback_report`,
 *   `mailing_list`, `bulk`), or null for a message a person sent.
 */
export function ignoreReason(
  headers: HeaderLine[],
  envelopeFrom: string,
  fromAddress: string | undefined,
): string | null {
  const get = (name: string) => headers.find((h) => h.key === name)?.value?.trim();
  const contentType = get('content-type')?.toLowerCase() ?? '';
  if (contentType.startsWith('multipart/report')) {
    const type = /report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1] ?? '';
    return REPORT_TYPES[type] ?? 'bounce';
  }
  if (
    !envelopeFrom ||
    envelopeFrom === '<>' ||
    BOUNCE_SENDER.test(envelopeFrom) ||
    BOUNCE_SENDER.test(fromAddress ?? '')
  )
    return 'bounce';
  const autoSubmitted = get('auto-submitted')?.toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return 'auto_reply';
  if (get('x-autoreply') || get('x-autorespond') || get('x-apple-action')?.toUpperCase() === 'VACATION')
    return 'auto_reply';
  if (AUTO_REPLY_SUBJECT.test(get('subject') ?? '')) return 'auto_reply';
  if (get('list-id') || get('list-unsubscribe') || get('list-post')) return 'mailing_list';
  const precedence = get('precedence')?.toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence))
    return precedence === 'auto_reply' ? 'auto_reply' : 'bulk';
  return null;
}

/** The alias a recipient address selects: its local part, lower-cased, without a `+tag`. */
export function aliasOf(address: string): string {
  return (address.split('@')[0] ?? '').split('+')[0]!.toLowerCase();
}

/**
 * True when `address` matches one of the `allow` patterns (`*` matches any run of characters,
 * case-insensitive), e.g. `*@example.com`. No patterns → everyone is allowed.
 */
export function senderAllowed(address: string, allow: string[] | undefined): boolean {
  if (!allow || allow.length === 0) return true;
  const addr = address.toLowerCase();
  return allow.some((pattern) => {
    const parts = pattern
      .toLowerCase()
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.*')}$`).test(addr);
  });
}
