import type { MiddlewareHandler } from 'hono';
import PostalMime from 'postal-mime';
import { redactJson, redactText } from '../../core/redact';
import { database } from '../../adapter/cloudflare/d1/client';
import { signatureHeaderNames } from '../../adapter/cloudflare/d1/signature-headers';
import type { HonoEnv } from '../context';

/** How deep attached messages (`message/rfc822`) are opened to look for a secret. */
const MAX_ATTACHED_DEPTH = 3;

/** Whether the decoded message (any encoding, attached messages included) still shows a secret. */
async function showsSecret(
  raw: string | ArrayBuffer | Uint8Array,
  secrets: readonly string[],
  depth = 0,
): Promise<boolean> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: 'utf8' });
  const texts = [email.text ?? '', email.html ?? '', email.subject ?? '', ...email.headers.map((h) => h.value)];
  if (texts.some((t) => redactText(t, secrets) !== t)) return true;
  for (const a of email.attachments) {
    const content = typeof a.content === 'string' ? a.content : new TextDecoder().decode(a.content);
    if (a.mimeType.startsWith('message/')) {
      if (depth >= MAX_ATTACHED_DEPTH || (await showsSecret(content, secrets, depth + 1))) return true;
    } else if (a.mimeType.startsWith('text/') && redactText(content, secrets) !== content) return true;
  }
  return false;
}

/**
 * A raw email source for a non-admin: link secrets and Message-ID MACs cut where they are written
 * as such (plain, HTML-escaped or quoted-printable). When the decoded message (postal-mime: base64
 * parts, encoded words, attached messages) would still show one, the source is withheld (null),
 * as for a source too large to keep: fail closed.
 */
export async function redactRawEmail(raw: string, secrets: readonly string[]): Promise<string | null> {
  try {
    return (await showsSecret(raw, secrets)) ? null : raw;
  } catch {
    return null;
  }
}

/**
 * Every JSON answer to a non-admin goes through here (see core/redact.ts): secret header values,
 * link signatures and approval Message-ID MACs are redacted, and raw email sources are checked
 * decoded. Admins read everything as stored.
 */
export function redactForReaders(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    await next();
    if (c.var.role === 'admin' || !(c.res.headers.get('content-type') ?? '').includes('application/json')) return;
    const text = await c.res.text();
    const configured = text.includes('"headers"')
      ? await signatureHeaderNames(database(c.env.DB), c.var.tenantId)
      : undefined;
    const { value, secrets, raws } = redactJson(JSON.parse(text), configured);
    for (const { holder, key } of raws) holder[key] = await redactRawEmail(holder[key] as string, secrets);
    const headers = new Headers(c.res.headers);
    c.res = new Response(JSON.stringify(value), { status: c.res.status, headers });
    c.res.headers.delete('content-length');
  };
}
