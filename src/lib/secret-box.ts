/**
 * Secrets at rest: AES-256-GCM (NIST SP 800-38D, via Web Crypto) under a key derived with SHA-256
 * from the Worker secret SECRETS_KEY. A fresh 96-bit nonce per value; the secret's
 * `<tenant>:<name>` is the additional authenticated data, so a ciphertext moved to another name
 * does not decrypt.
 */

import { fromBase64, toBase64 } from './encoding';

const encoder = new TextEncoder();

async function aesKey(secretsKey: string): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest('SHA-256', encoder.encode(secretsKey));
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

const unb64 = (text: string) => {
  const bytes = fromBase64(text);
  if (!bytes) throw new TypeError('sealed value is not base64');
  return bytes;
};

/** Encrypts a value. @returns base64 ciphertext (with its tag) and nonce. */
export async function seal(
  secretsKey: string,
  label: string,
  value: string,
): Promise<{ ciphertext: string; iv: string }> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(label) },
    await aesKey(secretsKey),
    encoder.encode(value),
  );
  return { ciphertext: toBase64(new Uint8Array(sealed)), iv: toBase64(iv) };
}

/** Decrypts a value sealed under the same key and label. @throws when the key, label or data differ. */
export async function open(
  secretsKey: string,
  label: string,
  box: { ciphertext: string; iv: string },
): Promise<string> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: unb64(box.iv), additionalData: encoder.encode(label) },
    await aesKey(secretsKey),
    unb64(box.ciphertext),
  );
  return new TextDecoder().decode(plain);
}
