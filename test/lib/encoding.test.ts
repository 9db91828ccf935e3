import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, fromHex, toBase64, toBase64Url, toHex } from '../../src/lib/encoding';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('encodings (RFC 4648 test vectors, §10)', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  it.each(vectors)('base64 of %j is %j, and back', (text, b64) => {
    const data = new TextEncoder().encode(text);
    expect(toBase64(data)).toBe(b64);
    expect(fromBase64(b64)).toEqual(data);
    expect(fromBase64(b64.replace(/=+$/, ''))).toEqual(data); // padding optional
  });

  it('base64url has no padding and the URL alphabet; a view encodes only its own bytes', () => {
    const data = bytes(0xfb, 0xff, 0xbf);
    expect(toBase64(data)).toBe('+/+/');
    expect(toBase64Url(data)).toBe('-_-_');
    expect(fromBase64Url('-_-_')).toEqual(data);
    expect(toBase64Url(bytes(1, 2, 3, 4, 5).subarray(1, 3))).toBe('AgM');
    expect(toHex(bytes(9, 10, 255).subarray(1))).toBe('0aff');
  });

  it('hex is lower case, two digits a byte, and read in either case', () => {
    expect(toHex(bytes(0, 15, 16, 255))).toBe('000f10ff');
    expect(fromHex('000F10ff')).toEqual(bytes(0, 15, 16, 255));
  });

  it('refuses text that is not of its form', () => {
    for (const bad of ['Zm9v!', 'Z', 'Zm9vY', 'Zm=9v', 'Zm9vYg=']) expect(fromBase64(bad), bad).toBeNull();
    for (const bad of ['a+b/', 'Z', 'Zm9v==']) expect(fromBase64Url(bad), bad).toBeNull();
    for (const bad of ['abc', '0g', 'zz']) expect(fromHex(bad), bad).toBeNull();
  });
});
