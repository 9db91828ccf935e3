import { fromBase32, toBase32 } from './base32';
import { toHex } from './encoding';

/**
 * Signed reply addresses (`Reply-To: <alias>+<token>@<domain>`): a reply reaches the approval or
 * the conversation it answers even when a mail client drops or rewrites `In-Reply-To` and
 * `References`, or the sending service replaced the Message-ID.
 *
 * A token is 32 characters, `[a-z2-7]`, case-insensitive (many MTAs lower-case local parts):
 * one kind letter (`a` approval, `c` conversation), then lower-case base32 (RFC 4648 §6) of
 * 19 bytes: a 7-byte random id (the key of the recorded outbound message), the expiry as 4 bytes
 * big-endian epoch seconds (0: none), and the first 8 bytes of HMAC-SHA256 (RFC 2104) over a
 * domain-separation label, the kind, the tenant, the id and the expiry. It fits a local part
 * (≤ 64 octets, RFC 5321 §4.5.3.1.1) beside an alias of up to {@link MAX_ALIAS_FOR_TOKEN} characters.
 */

/** What a reply token leads to. */
export type ReplyTokenKind = 'approval' | 'conversation';

/** The characters of a token. */
export const REPLY_TOKEN_LENGTH = 32;

/** Longest local part of an address, octets (RFC 5321 §4.5.3.1.1). */
export const MAX_LOCAL_PART = 64;

/** Longest alias that still has room for `+<token>` in its local part. */
export const MAX_ALIAS_FOR_TOKEN = MAX_LOCAL_PART - 1 - REPLY_TOKEN_LENGTH;

/** Bytes of the random id. */
export const REPLY_TOKEN_ID_BYTES = 7;

const LABEL = 'baton/reply-token/v1';
const MAC_BYTES = 8;
const KIND_LETTER: Record<ReplyTokenKind, string> = { approval: 'a', conversation: 'c' };
const TOKEN_FORM = /^([ac])([a-z2-7]{31})$/;
const encoder = new TextEncoder();

async function mac(
  secret: string,
  kind: ReplyTokenKind,
  tenantId: string,
  id: Uint8Array,
  exp: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const data = encoder.encode([LABEL, kind, tenantId, toHex(id), String(exp)].join('\n'));
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, data)).subarray(0, MAC_BYTES);
}

/** What a token claims. */
export interface ReplyTokenClaim {
  kind: ReplyTokenKind;
  tenantId: string;
  /** {@link REPLY_TOKEN_ID_BYTES} random bytes. */
  id: Uint8Array;
  /** Expiry, epoch seconds; 0 for none. At most 2^32 − 1. */
  exp: number;
}

/**
 * A signed token for `claim`.
 * @throws RangeError when the id is not 7 bytes or `exp` is not a 32-bit unsigned integer.
 */
export async function signReplyToken(secret: string, claim: ReplyTokenClaim): Promise<string> {
  if (claim.id.length !== REPLY_TOKEN_ID_BYTES)
    throw new RangeError(`a reply token id is ${REPLY_TOKEN_ID_BYTES} bytes, not ${claim.id.length}`);
  if (!Number.isInteger(claim.exp) || claim.exp < 0 || claim.exp > 0xffffffff)
    throw new RangeError(`reply token expiry ${claim.exp} is not a 32-bit epoch second`);
  const body = new Uint8Array(REPLY_TOKEN_ID_BYTES + 4 + MAC_BYTES);
  body.set(claim.id, 0);
  new DataView(body.buffer).setUint32(REPLY_TOKEN_ID_BYTES, claim.exp);
  body.set(await mac(secret, claim.kind, claim.tenantId, claim.id, claim.exp), REPLY_TOKEN_ID_BYTES + 4);
  return KIND_LETTER[claim.kind] + toBase32(body);
}

/** What a token says: `valid`, `expired` (MAC good, time passed) or `forged` (MAC wrong). */
export interface ReplyTokenCheck {
  verdict: 'valid' | 'expired' | 'forged';
  kind: ReplyTokenKind;
  /** The id as recorded with the outbound message, lower-case hex. */
  id: string;
  /** Epoch seconds; 0 for none. */
  exp: number;
}

/**
 * Checks a token of {@link signReplyToken} (any case), in constant time over the MAC.
 * @param now epoch seconds
 * @returns null when the text is not token-shaped at all (an ordinary `+tag`): a kind letter and 31 base32 characters.
 */
export async function checkReplyToken(
  secret: string,
  tenantId: string,
  token: string,
  now: number,
): Promise<ReplyTokenCheck | null> {
  const match = TOKEN_FORM.exec(token.toLowerCase());
  if (!match) return null;
  const kind: ReplyTokenKind = match[1] === 'a' ? 'approval' : 'conversation';
  const body = fromBase32(match[2]!);
  // Token-shaped but not a canonical spelling: altered, so forged (never an ordinary tag).
  if (!body) return { verdict: 'forged', kind, id: '', exp: 0 };
  const id = body.subarray(0, REPLY_TOKEN_ID_BYTES);
  const exp = new DataView(body.buffer, body.byteOffset).getUint32(REPLY_TOKEN_ID_BYTES);
  const expected = await mac(secret, kind, tenantId, id, exp);
  const given = body.subarray(REPLY_TOKEN_ID_BYTES + 4);
  let diff = 0;
  for (let i = 0; i < MAC_BYTES; i++) diff |= expected[i]! ^ given[i]!;
  const verdict = diff !== 0 ? 'forged' : exp !== 0 && exp < now ? 'expired' : 'valid';
  return { verdict, kind, id: toHex(id), exp };
}

/** The record key of a token id (lower-case hex), as {@link ReplyTokenCheck} gives it. */
export const replyTokenKey = toHex;

/** The `+tag` of an address's local part (`chat+abc@x` → `abc`), or null when there is none. */
export function plusTagOf(address: string): string | null {
  const local = address.slice(0, Math.max(0, address.lastIndexOf('@')));
  const plus = local.indexOf('+');
  return plus < 0 ? null : local.slice(plus + 1);
}

/** An address without the `+tag` of its local part (`chat+abc@x` → `chat@x`). */
export function withoutPlusTag(address: string): string {
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  return plus < 0 || at < 0 || plus > at ? address : address.slice(0, plus) + address.slice(at);
}

/**
 * The signed reply address for mail sent from `from`: `<alias>+<token>@<domain>`, the alias being
 * `from`'s local part without any `+tag`, lower-cased.
 * @returns null when the local part would exceed 64 octets (the alias is longer than {@link MAX_ALIAS_FOR_TOKEN}).
 */
export function replyAddressFor(from: string, token: string): string | null {
  const at = from.lastIndexOf('@');
  if (at < 0) return null;
  const alias = from.slice(0, at).split('+')[0]!.toLowerCase();
  const local = `${alias}+${token}`;
  return encoder.encode(local).length <= MAX_LOCAL_PART ? `${local}@${from.slice(at + 1)}` : null;
}
