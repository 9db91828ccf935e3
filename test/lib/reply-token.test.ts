import { describe, expect, it } from 'vitest';
import { fromBase32, toBase32 } from '../../src/lib/base32';
import {
  checkReplyToken,
  MAX_ALIAS_FOR_TOKEN,
  plusTagOf,
  replyAddressFor,
  replyTokenKey,
  signReplyToken,
  withoutPlusTag,
} from '../../src/lib/reply-token';

const bytes = (s: string) => new TextEncoder().encode(s);
const id = Uint8Array.from([1, 2, 3, 4, 5, 6, 7]);

describe('base32 (RFC 4648 §10 test vectors, lower case, unpadded)', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('%j ↔ %j', (plain, encoded) => {
    expect(toBase32(bytes(plain))).toBe(encoded);
    expect(fromBase32(encoded.toUpperCase())).toEqual(bytes(plain));
  });
  it('refuses non-canonical spellings and other characters', () => {
    expect(fromBase32('mz')).toBeNull(); // spare bits set ('my' is canonical)
    expect(fromBase32('m')).toBeNull();
    expect(fromBase32('mzxw1')).toBeNull();
  });
});

describe('reply tokens', () => {
  it('round-trips, in any case, and fits a local part beside an alias of 31 characters', async () => {
    const token = await signReplyToken('k', { kind: 'approval', tenantId: 't', id, exp: 2_000_000_000 });
    expect(token).toMatch(/^a[a-z2-7]{31}$/);
    for (const text of [token, token.toUpperCase()]) {
      expect(await checkReplyToken('k', 't', text, 1_900_000_000)).toEqual({
        verdict: 'valid',
        kind: 'approval',
        id: replyTokenKey(id),
        exp: 2_000_000_000,
      });
    }
    expect(await checkReplyToken('k', 't', token, 2_000_000_001)).toMatchObject({ verdict: 'expired' });
    expect(MAX_ALIAS_FOR_TOKEN).toBe(31);
    expect(replyAddressFor(`${'x'.repeat(31)}@d.test`, token)!.split('@')[0]!.length).toBe(64);
    expect(replyAddressFor(`${'x'.repeat(32)}@d.test`, token)).toBeNull();
    expect(replyAddressFor('Chat+old@D.test', token)).toBe(`chat+${token}@D.test`);
  });

  it('another key, tenant or kind, or any changed character, is forged; an ordinary tag is not a token', async () => {
    const token = await signReplyToken('k', { kind: 'conversation', tenantId: 't', id, exp: 0 });
    expect(await checkReplyToken('k', 't', token, 5e9)).toMatchObject({ verdict: 'valid', kind: 'conversation' });
    expect(await checkReplyToken('other', 't', token, 0)).toMatchObject({ verdict: 'forged' });
    expect(await checkReplyToken('k', 'u', token, 0)).toMatchObject({ verdict: 'forged' });
    expect(await checkReplyToken('k', 't', `a${token.slice(1)}`, 0)).toMatchObject({ verdict: 'forged' });
    for (let i = 1; i < token.length; i++) {
      const changed = token.slice(0, i) + (token[i] === 'q' ? 'r' : 'q') + token.slice(i + 1);
      expect(await checkReplyToken('k', 't', changed, 0), changed).toMatchObject({ verdict: 'forged' });
    }
    for (const tag of ['news', '', token.slice(0, -1), `${token}x`, `z${token.slice(1)}`])
      expect(await checkReplyToken('k', 't', tag, 0)).toBeNull();
  });

  it('plusTagOf reads the tag of the local part', () => {
    expect(plusTagOf('chat+abc@x.test')).toBe('abc');
    expect(plusTagOf('chat@x.test')).toBeNull();
    expect(plusTagOf('a+b+c@x.test')).toBe('b+c');
    expect(withoutPlusTag('Chat+abc@X.test')).toBe('Chat@X.test');
    expect(withoutPlusTag('chat@x+y.test')).toBe('chat@x+y.test');
  });
});
