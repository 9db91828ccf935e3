/**
 * What a non-admin reader must never see: signature and credential headers, the signatures of
 * signed links (and tokens in links), the MACs of approval Message-IDs and signed reply addresses. Pure functions over
 * text and JSON values; the HTTP layer applies them to every response a non-admin reads.
 */

/** What a redacted value is replaced with. */
export const REDACTED = 'redacted';

/**
 * Headers that carry a signature or a credential, lower-case: every webhook scheme's signature
 * (github `X-Hub-Signature(-256)`, stripe `Stripe-Signature`, slack `X-Slack-Signature`,
 * hmac-sha256's default `X-Signature`; a configured `header:` is added by the caller), and
 * `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie`.
 */
export const SIGNATURE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-hub-signature',
  'x-hub-signature-256',
  'stripe-signature',
  'x-slack-signature',
  'x-signature',
]);

/** Header names that look like a credential (`X-Sig`, `X-Gitlab-Token`, `X-Api-Key`, …): hidden from readers too. */
const CREDENTIAL_NAME =
  /sig|auth|cookie|token|secret|passw|credential|session|api[-_]?key|(?:^|[-_])(?:key|mac|hmac)(?:$|[-_])/i;

/** Whether a header's value is hidden from non-admins: a signature header, a configured one, or a credential-like name. */
export function isSecretHeader(name: string, configured: ReadonlySet<string> = new Set()): boolean {
  const lower = name.toLowerCase();
  return SIGNATURE_HEADERS.has(lower) || configured.has(lower) || CREDENTIAL_NAME.test(lower);
}

/** `literal` as a pattern that also matches it cut by quoted-printable soft line breaks (`=` CRLF). */
const softly = (literal: string) => [...literal].join('(?:=\\r?\\n)?');

/**
 * A secret query parameter of a link (`sig=` of signed approval links, `signature=`, `token=`,
 * `access_token=`), also HTML-escaped (`&amp;sig=`) and quoted-printable (`sig=3D…` with soft line
 * breaks anywhere in the name or the value and escaped characters in the value, as `=2D` for a `-`
 * that starts a line, RFC 2045 §6.7: Baton's own mail is quoted-printable).
 */
const LINK_SECRET = new RegExp(
  `([?&;](?:=\\r?\\n)?(?:${softly('amp;')}(?:=\\r?\\n)?)?(?:${['signature', 'sig', 'access_token', 'token'].map(softly).join('|')})(?:=\\r?\\n)?(?:=3D|=))((?:[A-Za-z0-9_.~%+/-]|=[0-9A-F]{2}|=\\r?\\n)+)`,
  'gi',
);

/** The MAC part of an approval Message-ID (`approval.<id>.<nonce>.<mac>@…`, src/lib/links.ts). */
const MESSAGE_ID_MAC = /(approval\.[A-Za-z0-9_-]+\.[A-Za-z0-9-]+\.)(?!redacted@)[A-Za-z0-9_-]+(?=@)/g;

/** The token of a signed reply address (`<alias>+<token>@…`, src/lib/reply-token.ts), any case. */
const REPLY_TOKEN = /\+[ac][a-z2-7]{31}(?=@)/gi;

/** Shorter values are not searched for in other text (they would match by chance). */
const MIN_SECRET_LENGTH = 6;

/** Text with link secrets, approval Message-ID MACs, reply-address tokens and the given secret values replaced. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(LINK_SECRET, (_m, name: string) => `${name}${REDACTED}`)
    .replace(MESSAGE_ID_MAC, `$1${REDACTED}`)
    .replace(REPLY_TOKEN, `+${REDACTED}`);
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  return out;
}

type Holder = Record<string, unknown> | unknown[];

/** A string in a JSON value that needs more than text redaction: a raw email source (`raw`). */
export interface RawField {
  holder: Record<string, unknown>;
  key: string;
}

/**
 * Redacts a JSON value (as parsed from a response) for a non-admin reader, in place: the values
 * of secret headers in every `headers` object (see {@link isSecretHeader}) become `redacted`, and
 * those values, link secrets and Message-ID MACs are cut from every string. Iterative, so depth
 * costs no stack.
 * @param configured lower-case header names that triggers configure as their signature header
 * @returns the value, the secret values found (for other text of the same answer), and the `raw` email fields, already text-redacted, that the caller checks further.
 */
export function redactJson(
  value: unknown,
  configured: ReadonlySet<string> = new Set(),
): { value: unknown; secrets: string[]; raws: RawField[] } {
  const box: Record<string, unknown> = { value };
  const strings: [Holder, string | number][] = [];
  const secrets: string[] = [];
  const stack: Holder[] = [box];
  while (stack.length) {
    const holder = stack.pop()!;
    const entries: [string | number, unknown][] = Array.isArray(holder)
      ? holder.map((v, i) => [i, v])
      : Object.entries(holder);
    for (const [key, child] of entries) {
      if (typeof child === 'string') strings.push([holder, key]);
      else if (child && typeof child === 'object') {
        if (typeof key === 'string' && key.toLowerCase() === 'headers' && !Array.isArray(child))
          hideHeaders(child as Record<string, unknown>, configured, secrets);
        stack.push(child as Holder);
      }
    }
  }
  const raws: RawField[] = [];
  for (const [holder, key] of strings) {
    (holder as Record<string | number, unknown>)[key] = redactText(
      (holder as Record<string | number, string>)[key]!,
      secrets,
    );
    if (key === 'raw' && !Array.isArray(holder)) raws.push({ holder, key });
  }
  return { value: box.value, secrets, raws };
}

function hideHeaders(headers: Record<string, unknown>, configured: ReadonlySet<string>, secrets: string[]): void {
  for (const [name, v] of Object.entries(headers)) {
    if (!isSecretHeader(name, configured)) continue;
    if (typeof v === 'string' && v !== REDACTED)
      secrets.push(v, ...v.split(/[\s,;=]+/).filter((part) => part.length >= 16));
    headers[name] = REDACTED;
  }
}
