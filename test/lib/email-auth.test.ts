import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { aligned, senderAuth } from '../../src/lib/email-auth';

const CF = ['mx.cloudflare.net'];

/** The headers of a message as postal-mime parses them, topmost first. */
async function headersOf(lines: string[]) {
  const raw = `${lines.join('\r\n')}\r\nFrom: Lead <lead@example.com>\r\nTo: intel@baton.test\r\nSubject: hi\r\nMessage-ID: <a@example.com>\r\n\r\nbody\r\n`;
  return (await PostalMime.parse(raw)).headers;
}

// As Cloudflare Email Routing writes it (folded over lines, with comments).
const CLOUDFLARE_PASS = [
  'ARC-Authentication-Results: i=1; mx.cloudflare.net;',
  '\tdkim=pass header.d=example.com header.s=s1 header.b=AbCdEf12;',
  '\tdmarc=pass header.from=example.com policy.dmarc=reject;',
  '\tspf=pass (mx.cloudflare.net: domain of lead@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=lead@example.com;',
  '\tarc=none smtp.remote-ip=192.0.2.1',
];

describe('senderAuth: DMARC alignment from the trusted authserv-id', () => {
  it('passes on the verdict Cloudflare writes, and names the method', async () => {
    const verdict = senderAuth(await headersOf(CLOUDFLARE_PASS), 'example.com', CF);
    expect(verdict).toEqual({ pass: true, method: 'dmarc', domain: 'example.com', authservId: 'mx.cloudflare.net' });
  });

  it('fails dkim=fail spf=fail and says what it saw', async () => {
    const verdict = senderAuth(
      await headersOf([
        'Authentication-Results: mx.cloudflare.net; dkim=fail header.d=example.com; spf=fail smtp.mailfrom=lead@example.com',
      ]),
      'example.com',
      CF,
    );
    expect(verdict.pass).toBe(false);
    expect(verdict.pass === false && verdict.reason).toMatch(/dkim=fail \(d=example\.com\), spf=fail \(example\.com\)/);
  });

  it('counts DKIM or SPF only when aligned with From: (a pass for another domain is no pass)', async () => {
    const other = await headersOf([
      'Authentication-Results: mx.cloudflare.net; dkim=pass header.d=attacker.example; spf=pass smtp.mailfrom=bounce@attacker.example',
    ]);
    expect(senderAuth(other, 'example.com', CF).pass).toBe(false);
    const sub = await headersOf(['Authentication-Results: mx.cloudflare.net; dkim=pass header.d=mail.example.com']);
    expect(senderAuth(sub, 'example.com', CF)).toMatchObject({
      pass: true,
      method: 'dkim',
      domain: 'mail.example.com',
    });
    const spf = await headersOf([
      'Authentication-Results: mx.cloudflare.net; dkim=none; spf=pass smtp.mailfrom=b@bounce.example.com',
    ]);
    expect(senderAuth(spf, 'example.com', CF)).toMatchObject({ pass: true, method: 'spf' });
  });

  it('believes only the topmost field of a trusted authserv-id: one that came with the message is ignored', async () => {
    const forgedBelow = await headersOf([
      'ARC-Authentication-Results: i=2; mx.cloudflare.net; dkim=fail header.d=example.com; spf=softfail smtp.mailfrom=x@example.com',
      'Authentication-Results: mx.cloudflare.net; dkim=pass header.d=example.com; dmarc=pass header.from=example.com',
    ]);
    expect(senderAuth(forgedBelow, 'example.com', CF).pass).toBe(false);
    const untrusted = await headersOf(['Authentication-Results: mx.attacker.example; dkim=pass header.d=example.com']);
    expect(senderAuth(untrusted, 'example.com', CF)).toEqual({
      pass: false,
      reason: 'the topmost authentication-results is by "mx.attacker.example", not mx.cloudflare.net',
    });
    // Fail closed: an untrusted, oversized or unparseable topmost field is not skipped for a forged one below it.
    const trustedBelow = await headersOf([
      'Authentication-Results: mx.attacker.example; dkim=fail',
      'Authentication-Results: mx.cloudflare.net; dkim=pass header.d=example.com',
    ]);
    expect(senderAuth(trustedBelow, 'example.com', CF).pass).toBe(false);
    const bigThenForged = [
      { key: 'arc-authentication-results', value: `i=1; mx.cloudflare.net; dkim=fail (${'x'.repeat(9000)})` },
      { key: 'authentication-results', value: 'mx.cloudflare.net; dkim=pass header.d=example.com' },
    ];
    expect(senderAuth(bigThenForged, 'example.com', CF)).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/longer than/),
    });
    expect(senderAuth(await headersOf([]), 'example.com', CF).pass).toBe(false);
  });

  it('fails a From: domain that is no domain name (a second @)', () => {
    const pass = [{ key: 'authentication-results', value: 'mx.cloudflare.net; dkim=pass header.d=attacker.example' }];
    expect(senderAuth(pass, 'victim.example@attacker.example', CF)).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/not a domain name/),
    });
    expect(senderAuth(pass, 'attacker.example', CF).pass).toBe(true);
  });

  it('fails an explicit dmarc=fail, a dmarc=pass for another domain, and several From: fields', async () => {
    const dmarcFail = await headersOf([
      'Authentication-Results: mx.cloudflare.net; dkim=pass header.d=example.com; dmarc=fail header.from=example.com',
    ]);
    expect(senderAuth(dmarcFail, 'example.com', CF)).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/^dmarc=fail/),
    });
    const elsewhere = await headersOf([
      'Authentication-Results: mx.cloudflare.net; dmarc=pass header.from=other.example',
    ]);
    expect(senderAuth(elsewhere, 'example.com', CF).pass).toBe(false);
    const twoFroms = [...(await headersOf(CLOUDFLARE_PASS)), { key: 'from', value: 'boss@example.com' }];
    expect(senderAuth(twoFroms, 'example.com', CF)).toMatchObject({
      pass: false,
      reason: expect.stringMatching(/several From/),
    });
  });

  it('skips oversized fields and parses hostile ones without throwing', async () => {
    const big = {
      key: 'authentication-results',
      value: `mx.cloudflare.net; dkim=pass header.d=example.com (${'x'.repeat(9000)})`,
    };
    expect(senderAuth([big], 'example.com', CF).pass).toBe(false);
    for (const value of [
      '',
      ';;;',
      'mx.cloudflare.net; dkim',
      '"unterminated; dkim=pass',
      '((((',
      'mx.cloudflare.net; __proto__=pass',
    ])
      expect(senderAuth([{ key: 'authentication-results', value }], 'example.com', CF).pass).toBe(false);
  });
});

describe('aligned (relaxed, by the Public Suffix List)', () => {
  it('matches names of one organizational domain only', () => {
    expect(aligned('mail.example.com', 'example.com')).toBe(true);
    expect(aligned('example.co.uk', 'news.example.co.uk')).toBe(true);
    expect(aligned('other.co.uk', 'example.co.uk')).toBe(false);
    expect(aligned('alice.github.io', 'bob.github.io')).toBe(false);
    expect(aligned('', 'example.com')).toBe(false);
  });
});
