import type { Decision } from '../schemas/steps';
import { fromBase64Url, toBase64Url } from './base64url';

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
export async function verifyLink(secret: string, claim: LinkClaim, signature: string, now: number): Promise<'valid' | 'expired' | 'invalid'> {
  const sig = fromBase64Url(signature);
  if (!sig || !Number.isFinite(claim.exp)) return 'invalid';
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), sig, payload(claim));
  if (!ok) return 'invalid';
  return claim.exp < now ? 'expired' : 'valid';
}

/** Message-ID of an approval email (RFC 5322 §3.6.4): carries the approval id, so a reply finds it by `In-Reply-To`. */
export function approvalMessageId(approvalId: string, domain: string, unique: string): string {
  return `<approval.${toBase64Url(encoder.encode(approvalId))}.${unique}@${domain}>`;
}

/** The approval id a Message-ID of {@link approvalMessageId} carries, or null. */
export function approvalIdFromMessageId(messageId: string): string | null {
  const match = /^<?approval\.([A-Za-z0-9_-]+)\.[A-Za-z0-9-]+@[^>]+>?$/.exec(messageId.trim());
  const bytes = match ? fromBase64Url(match[1]!) : null;
  return bytes ? new TextDecoder().decode(bytes) : null;
}
