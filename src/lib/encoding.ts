import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from 'hono/utils/encode';

/**
 * Byte ↔ text encodings, one place for all of Baton: base64 and base64url (RFC 4648 §4, §5; Hono's
 * encoders underneath) and lower-case hex. Decoders answer null for text that is not of their form.
 */

/** base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return encodeBase64(bytes.slice().buffer); // a copy: a view may cover part of its buffer
}

/** Bytes of base64 text (RFC 4648 §4, padding optional). @returns null when the text is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  const bare = text.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(bare) || bare.length % 4 === 1 || (text.length !== bare.length && text.length % 4 !== 0))
    return null;
  return decodeBase64(bare + '='.repeat((4 - (bare.length % 4)) % 4));
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return encodeBase64Url(bytes.slice().buffer).replace(/=+$/, '');
}

/** Bytes of base64url text (RFC 4648 §5, padding optional). @returns null when the text is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  return decodeBase64Url(text + '='.repeat((4 - (text.length % 4)) % 4));
}

/** Lower-case hex, two digits a byte. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of hex text (either case). @returns null when the text is not an even run of hex digits. */
export function fromHex(text: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
