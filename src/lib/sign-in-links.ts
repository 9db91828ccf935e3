import { fromBase64Url, toBase64Url } from './encoding';

/** What a sign-in link claims: link `id` (its D1 row, single use), for `email`, until `exp`. */
export interface SignInClaim {
  id: string;
  email: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** Domain separation: a sign-in signature can never be taken for an approval link's, nor the reverse. */
const LABEL = 'baton/sign-in-link/v1';

const encoder = new TextEncoder();

function payload(c: SignInClaim): Uint8Array {
  return encoder.encode([LABEL, c.id, c.email.toLowerCase(), String(c.exp)].join('\n'));
}

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** HMAC-SHA256 (RFC 2104) of the claim, base64url (RFC 4648 §5). */
export async function signSignInLink(secret: string, claim: SignInClaim): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), payload(claim))));
}

/**
 * Checks a sign-in link's signature (constant-time, by Web Crypto's verify) and expiry. Single use
 * is the caller's part (the link's row is consumed once).
 * @param now epoch seconds
 * @returns `valid`, `expired` (signature good, time passed) or `invalid` (tampered or malformed).
 */
export async function verifySignInLink(
  secret: string,
  claim: SignInClaim,
  signature: string,
  now: number,
): Promise<'valid' | 'expired' | 'invalid'> {
  const sig = fromBase64Url(signature);
  if (!sig || !Number.isSafeInteger(claim.exp) || claim.exp < 0) return 'invalid';
  if (!(await crypto.subtle.verify('HMAC', await hmacKey(secret, 'verify'), sig, payload(claim)))) return 'invalid';
  return claim.exp < now ? 'expired' : 'valid';
}
