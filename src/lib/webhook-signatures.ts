/**
 * Webhook signature schemes (issue: triggers beyond email), verified with Web Crypto's HMAC
 * `verify`, which compares in constant time. Each takes the raw body byte for byte.
 * - github: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`
 *   (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries)
 * - stripe: `Stripe-Signature: t=<s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]`, within a tolerance
 *   (https://docs.stripe.com/webhooks#verify-manually)
 * - slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:<ts>:<body>")>` with `X-Slack-Request-Timestamp`
 *   within 5 minutes (https://api.slack.com/authentication/verifying-requests-from-slack)
 * - hmac-sha256: `<header>: <prefix><hex|base64 HMAC-SHA256(secret, body)>`; with a timestamp header
 *   (`timestamp_header:`), `HMAC-SHA256(secret, "<timestamp>.<body>")` as Stripe signs it, the
 *   timestamp in Unix seconds and within the tolerance (a captured delivery cannot be replayed later)
 */

import { fromBase64, fromHex } from './encoding';

export type SignatureScheme = 'github' | 'stripe' | 'slack' | 'hmac-sha256';

export interface SignatureCheck {
  scheme: SignatureScheme;
  secret: string;
  body: Uint8Array;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Now, epoch seconds (stripe, slack, hmac-sha256 with `timestampHeader`). */
  now: number;
  /** Largest clock difference accepted (stripe, slack, hmac-sha256 with `timestampHeader`), seconds. */
  toleranceS: number;
  /** hmac-sha256: the header, prefix and encoding of the signature. */
  header?: string;
  prefix?: string;
  encoding?: 'hex' | 'base64';
  /** hmac-sha256: the header with the signed timestamp (Unix seconds), as written in the definition. */
  timestampHeader?: string;
}

/** `ok`, or what is wrong — said without revealing the expected value. */
export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();

async function hmacValid(secret: string, data: Uint8Array, signature: Uint8Array | null): Promise<boolean> {
  if (!signature) return false;
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  return crypto.subtle.verify('HMAC', key, signature, data);
}

function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  const bytes = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Verifies a delivery's signature by its scheme. */
export async function verifySignature(c: SignatureCheck): Promise<SignatureVerdict> {
  const h = (name: string) => c.headers[name.toLowerCase()];
  const missing = (name: string): SignatureVerdict => ({ ok: false, reason: `missing header ${name}` });
  if (c.scheme === 'github') {
    const value = h('x-hub-signature-256');
    if (!value) return missing('X-Hub-Signature-256');
    const ok = value.startsWith('sha256=') && (await hmacValid(c.secret, c.body, fromHex(value.slice(7))));
    return ok ? { ok } : { ok: false, reason: 'X-Hub-Signature-256 does not match the body' };
  }
  if (c.scheme === 'slack') {
    const ts = h('x-slack-request-timestamp');
    const value = h('x-slack-signature');
    if (!ts) return missing('X-Slack-Request-Timestamp');
    if (!value) return missing('X-Slack-Signature');
    if (!/^\d+$/.test(ts) || Math.abs(c.now - Number(ts)) > c.toleranceS)
      return { ok: false, reason: 'X-Slack-Request-Timestamp is outside the 5-minute window' };
    const ok =
      value.startsWith('v0=') && (await hmacValid(c.secret, concat(`v0:${ts}:`, c.body), fromHex(value.slice(3))));
    return ok ? { ok } : { ok: false, reason: 'X-Slack-Signature does not match the body' };
  }
  if (c.scheme === 'stripe') {
    const value = h('stripe-signature');
    if (!value) return missing('Stripe-Signature');
    const pairs = value.split(',').map((p) => p.trim().split('=') as [string, string]);
    const t = pairs.find(([k]) => k === 't')?.[1];
    const v1 = pairs.filter(([k]) => k === 'v1').map(([, v]) => v);
    if (!t || !/^\d+$/.test(t) || !v1.length) return { ok: false, reason: 'Stripe-Signature lacks t= or v1=' };
    if (Math.abs(c.now - Number(t)) > c.toleranceS)
      return { ok: false, reason: 'Stripe-Signature timestamp is outside the tolerance' };
    const signed = concat(`${t}.`, c.body);
    for (const sig of v1) if (await hmacValid(c.secret, signed, fromHex(sig))) return { ok: true };
    return { ok: false, reason: 'no v1 signature in Stripe-Signature matches the body' };
  }
  const name = c.header ?? 'x-signature';
  const value = h(name);
  if (!value) return missing(name);
  const prefix = c.prefix ?? '';
  if (!value.startsWith(prefix)) return { ok: false, reason: `${name} does not start with '${prefix}'` };
  const raw = value.slice(prefix.length);
  const signature = c.encoding === 'base64' ? fromBase64(raw) : fromHex(raw);
  if (!c.timestampHeader)
    return (await hmacValid(c.secret, c.body, signature))
      ? { ok: true }
      : { ok: false, reason: `${name} does not match the body` };
  const ts = h(c.timestampHeader);
  const stale = timestampProblem(c.timestampHeader, ts, c.now, c.toleranceS);
  if (stale) return { ok: false, reason: stale };
  const ok = await hmacValid(c.secret, concat(`${ts}.`, c.body), signature);
  return ok ? { ok } : { ok: false, reason: `${name} does not match the timestamp and body` };
}

/** Why a signed timestamp header is refused (missing, not Unix seconds, too far from `now`), or null. */
function timestampProblem(name: string, value: string | undefined, now: number, toleranceS: number): string | null {
  if (value === undefined) return `missing header ${name}`;
  if (!/^\d{1,12}$/.test(value)) return `${name} is not a Unix time in seconds`;
  const off = Math.abs(now - Number(value));
  return off > toleranceS ? `${name} is ${off} s away from the server clock; the tolerance is ${toleranceS} s` : null;
}
