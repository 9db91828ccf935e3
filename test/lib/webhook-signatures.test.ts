import { describe, expect, it } from 'vitest';
import { verifySignature, type SignatureCheck } from '../../src/lib/webhook-signatures';

/** Vectors of test/fixtures/webhooks/SIGNATURES.md. */
const enc = (s: string) => new TextEncoder().encode(s);
const check = (c: Partial<SignatureCheck> & Pick<SignatureCheck, 'scheme' | 'secret' | 'body' | 'headers'>) =>
  verifySignature({ now: 0, toleranceS: 300, ...c });

describe('GitHub X-Hub-Signature-256 (GitHub docs vector)', () => {
  const base = { scheme: 'github' as const, secret: "It's a Secret to Everybody", body: enc('Hello, World!') };
  it('verifies the published signature and refuses a changed body, a wrong secret and a missing header', async () => {
    const headers = {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    expect(await check({ ...base, headers })).toEqual({ ok: true });
    expect((await check({ ...base, headers, body: enc('Hello, World?') })).ok).toBe(false);
    expect((await check({ ...base, headers, secret: 'nope' })).ok).toBe(false);
    expect(await check({ ...base, headers: {} })).toEqual({ ok: false, reason: 'missing header X-Hub-Signature-256' });
    expect((await check({ ...base, headers: { 'x-hub-signature-256': 'sha256=zz' } })).ok).toBe(false);
  });
});

describe('Slack v0 (python-slack-sdk vector)', () => {
  const body = enc(
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  );
  const headers = {
    'x-slack-request-timestamp': '1531420618',
    'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  };
  const base = { scheme: 'slack' as const, secret: '8f742231b10e8888abcd99yyyzzz85a5', body, headers };
  it('verifies with the clock frozen at the timestamp; a changed body, a real clock and missing headers fail', async () => {
    expect(await check({ ...base, now: 1531420618 })).toEqual({ ok: true });
    expect((await check({ ...base, now: 1531420618, body: new Uint8Array([...body, ...enc('------')]) })).ok).toBe(
      false,
    );
    expect(await check({ ...base, now: Math.floor(Date.now() / 1000) })).toEqual({
      ok: false,
      reason: 'X-Slack-Request-Timestamp is outside the 5-minute window',
    });
    expect((await check({ ...base, now: 1531420618, headers: {} })).ok).toBe(false);
  });
});

describe('Stripe v1 (stripe-python inputs; the one DERIVED value)', () => {
  const body = enc(
    '{\n  "id": "evt_test_webhook",\n  "object": "event",\n  "data": { "object": { "id": "rdr_123", "object": "terminal.reader" } }\n}',
  );
  const good = 't=12345,v1=07b1ede164afb7b5de91267ffa656f568c65d6e0783ce0ac55ee094643578eda';
  const base = { scheme: 'stripe' as const, secret: 'whsec_test_secret', body, now: 12345 };
  it('verifies, also with an extra bad v1; refuses bad headers, v0 only, a bad v1 and an old timestamp', async () => {
    expect(await check({ ...base, headers: { 'stripe-signature': good } })).toEqual({ ok: true });
    expect(await check({ ...base, headers: { 'stripe-signature': `${good},v1=bad_signature` } })).toEqual({ ok: true });
    for (const header of ['bad_header', "i'm not even a real signature header", 't=12345,v0=abc']) {
      expect(await check({ ...base, headers: { 'stripe-signature': header } })).toEqual({
        ok: false,
        reason: 'Stripe-Signature lacks t= or v1=',
      });
    }
    expect((await check({ ...base, headers: { 'stripe-signature': 't=12345,v1=bad_signature' } })).ok).toBe(false);
    expect(await check({ ...base, now: 12345 + 15, toleranceS: 10, headers: { 'stripe-signature': good } })).toEqual({
      ok: false,
      reason: 'Stripe-Signature timestamp is outside the tolerance',
    });
  });
});

describe('generic hmac-sha256', () => {
  it('reads the configured header, prefix and encoding (a Linear-style hex header, and base64)', async () => {
    const body = enc('Hello, World!');
    const secret = "It's a Secret to Everybody";
    const hex = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(
      await check({
        scheme: 'hmac-sha256',
        secret,
        body,
        header: 'linear-signature',
        headers: { 'linear-signature': hex },
      }),
    ).toEqual({ ok: true });
    const b64 = btoa(String.fromCharCode(...hex.match(/../g)!.map((h) => parseInt(h, 16))));
    expect(
      await check({
        scheme: 'hmac-sha256',
        secret,
        body,
        header: 'x-sig',
        prefix: 'sha256=',
        encoding: 'base64',
        headers: { 'x-sig': `sha256=${b64}` },
      }),
    ).toEqual({ ok: true });
    expect(
      (
        await check({
          scheme: 'hmac-sha256',
          secret,
          body,
          header: 'x-sig',
          prefix: 'sha256=',
          headers: { 'x-sig': hex },
        })
      ).ok,
    ).toBe(false);
  });
});

describe('hmac-sha256 with a signed timestamp header (Stripe-style "<t>.<body>")', () => {
  const body = enc('Hello, World!');
  const secret = "It's a Secret to Everybody";
  const hmac = async (data: string) => {
    const key = await crypto.subtle.importKey('raw', enc(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return [...new Uint8Array(await crypto.subtle.sign('HMAC', key, enc(data)))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
  };
  const base = {
    scheme: 'hmac-sha256' as const,
    secret,
    body,
    header: 'x-sig',
    timestampHeader: 'X-Timestamp',
    now: 1_700_000_000,
    toleranceS: 300,
  };
  it('verifies "<t>.<body>" within the tolerance; refuses the body alone, a stale, missing or malformed timestamp', async () => {
    const sig = await hmac('1700000100.Hello, World!');
    expect(await check({ ...base, headers: { 'x-sig': sig, 'x-timestamp': '1700000100' } })).toEqual({ ok: true });
    expect(
      await check({ ...base, headers: { 'x-sig': await hmac('Hello, World!'), 'x-timestamp': '1700000100' } }),
    ).toEqual({ ok: false, reason: 'x-sig does not match the timestamp and body' });
    expect(
      await check({ ...base, headers: { 'x-sig': sig, 'x-timestamp': '1700000100' }, now: 1_700_000_401 }),
    ).toEqual({ ok: false, reason: 'X-Timestamp is 301 s away from the server clock; the tolerance is 300 s' });
    expect(await check({ ...base, headers: { 'x-sig': sig } })).toEqual({
      ok: false,
      reason: 'missing header X-Timestamp',
    });
    for (const t of ['1700000100.0', '0x6553f164', '-1', '']) {
      expect(await check({ ...base, headers: { 'x-sig': sig, 'x-timestamp': t } })).toMatchObject({ ok: false });
    }
    expect(await check({ ...base, headers: { 'x-sig': sig, 'x-timestamp': '1700000100.0' } })).toEqual({
      ok: false,
      reason: 'X-Timestamp is not a Unix time in seconds',
    });
  });
});
