/**
 * Base32 without padding, lower case (RFC 4648 §6, https://www.rfc-editor.org/rfc/rfc4648#section-6):
 * letters and digits only, so a value survives mail software that lower-cases address local parts.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lower-case base32 of bytes, unpadded: ⌈8·n/5⌉ characters, the last one's spare bits zero. */
export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Bytes of unpadded base32, any case. Only the canonical spelling is accepted (spare bits zero),
 * so one value has one text.
 * @returns null when the text is not canonical base32.
 */
export function fromBase32(text: string): Uint8Array | null {
  const lower = text.toLowerCase();
  if (!/^[a-z2-7]*$/.test(lower) || [1, 3, 6].includes(lower.length % 8)) return null;
  const out = new Uint8Array(Math.floor((lower.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let i = 0;
  for (const char of lower) {
    buffer = ((buffer << 5) | ALPHABET.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[i++] = (buffer >> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if (bits > 0 && (buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
