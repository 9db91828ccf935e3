import type { Decision } from '../schemas/steps';
import { fromBase64Url, toBase64Url } from './encoding';

/** What a signed approval link lets its holder do: one decision, as one assignee, until `exp`. */
export interface LinkClaim {
  approvalId: string;
  decision: Decision;
  assignee: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

const encoder = new TextEncoder();

function payload(c: LinkClaim): Uint8Array {
  return encoder.encode([c.approvalId, c.decision, c.assignee.toLowerCase(), String(c.exp)].join('\n'));
}

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** HMAC-SHA256 (RFC 2104) of the claim, base64url (RFC 4648 §5). */
export async function signLink(secret: string, claim: LinkClaim): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), payload(claim))));
}

/**
 * Checks a link's signature (constant-time, by Web Crypto's verify) and expiry.
 * @param now epoch seconds
 * @returns `valid`, `expired` (signature good, time passed) or `invalid` (tampered or malformed).
 */
export async function verifyLink(
  secret: string,
  claim: LinkClaim,
  signature: string,
  now: number,
): Promise<'valid' | 'expired' | 'invalid'> {
  const sig = fromBase64Url(signature);
  if (!sig || !Number.isSafeInteger(claim.exp) || claim.exp < 0) return 'invalid';
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), sig, payload(claim));
  if (!ok) return 'invalid';
  return claim.exp < now ? 'expired' : 'valid';
}

/**
 * A link's `exp` as it must be written: a canonical decimal integer (no sign, leading zero,
 * fraction, exponent, hex or blanks), since the signature covers the number, not its spelling.
 * @returns epoch seconds, or null for any other spelling.
 */
export function parseLinkExp(text: string): number | null {
  return /^(?:0|[1-9][0-9]{0,15})$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : null;
}

/** Domain separation: a Message-ID MAC can never be taken for a link signature, nor the reverse. */
const MESSAGE_ID_LABEL = 'baton/approval-message-id/v1';

function messageIdPayload(approvalId: string, nonce: string): Uint8Array {
  return encoder.encode([MESSAGE_ID_LABEL, approvalId, nonce].join('\n'));
}

/**
 * Message-ID of an approval email (RFC 5322 §3.6.4):
 * `<approval.<base64url approval id>.<nonce>.<base64url HMAC-SHA256(secret, label, id, nonce)>@domain>`.
 * A reply finds the approval by `In-Reply-To`; the MAC makes the id unguessable, so only someone who
 * saw the email can answer it.
 * @param nonce unique per email, `[A-Za-z0-9]+`
 */
export async function approvalMessageId(
  secret: string,
  approvalId: string,
  domain: string,
  nonce: string,
): Promise<string> {
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), messageIdPayload(approvalId, nonce)),
  );
  return `<approval.${toBase64Url(encoder.encode(approvalId))}.${nonce}.${toBase64Url(mac)}@${domain}>`;
}

/**
 * What a Message-ID says about an approval: `valid` (its MAC verifies, constant-time by Web
 * Crypto), `forged` (approval-shaped, MAC wrong or undecodable) or `unsigned` (the form without a
 * MAC that Baton sent before; anyone can write it, so it proves nothing).
 */
export interface ApprovalMessageIdCheck {
  verdict: 'valid' | 'forged' | 'unsigned';
  /** The approval id it names (for `forged`, as claimed; may be empty). */
  approvalId: string;
}

const APPROVAL_ID_FORM = /^<?approval\.([A-Za-z0-9_-]+)\.([A-Za-z0-9-]+)(?:\.([A-Za-z0-9_-]+))?@[^<>\s]+>?$/;

/** Checks a Message-ID of {@link approvalMessageId}. @returns null when it is not approval-shaped at all. */
export async function checkApprovalMessageId(
  secret: string,
  messageId: string,
): Promise<ApprovalMessageIdCheck | null> {
  const match = messageId.length <= 998 ? APPROVAL_ID_FORM.exec(messageId.trim()) : null;
  if (!match) return null;
  const [, encodedId, nonce, encodedMac] = match;
  const idBytes = fromBase64Url(encodedId!);
  const approvalId = idBytes ? new TextDecoder().decode(idBytes) : '';
  if (!encodedMac) return { verdict: idBytes ? 'unsigned' : 'forged', approvalId };
  const mac = fromBase64Url(encodedMac);
  // Canonical encodings only: one approval, one spelling of its id and MAC.
  if (!idBytes || !mac || toBase64Url(idBytes) !== encodedId || toBase64Url(mac) !== encodedMac)
    return { verdict: 'forged', approvalId };
  const ok = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret, 'verify'),
    mac,
    messageIdPayload(approvalId, nonce!),
  );
  return { verdict: ok ? 'valid' : 'forged', approvalId };
}
