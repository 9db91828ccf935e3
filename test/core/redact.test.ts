import { describe, expect, it } from 'vitest';
import { approvalMessageId, checkApprovalMessageId, parseLinkExp } from '../../src/lib/links';
import { isSecretHeader, redactJson, redactText } from '../../src/core/redact';

const SIG = 'EeepQ27OY7YOgjGU-QAdCZ1DqCykwo0GpC-ynWYpMk4';
const LINK = `http://127.0.0.1:8787/hooks/approvals/run_1%3Areview%3A1?d=approve&a=lead%40example.com&exp=1796128030&sig=${SIG}`;

describe('redactText', () => {
  it('cuts link signatures written plain, HTML-escaped and quoted-printable (soft breaks inside the value)', () => {
    expect(redactText(`- Approve: ${LINK}\n`)).toBe(`- Approve: ${LINK.replace(SIG, 'redacted')}\n`);
    expect(redactText(`<a href="${LINK.replace(/&/g, '&amp;')}">`)).not.toContain(SIG);
    const qp = LINK.match(/.{1,30}/g)!
      .map((p) => p.replace(/=/g, '=3D'))
      .join('=\r\n');
    expect(redactText(qp)).toContain('sig=3Dredacted');
    expect(redactText(qp).replace(/=\r\n/g, '')).not.toContain(SIG.slice(10));
    expect(redactText('https://x.test/?token=abc123&access_token=zzz')).toBe(
      'https://x.test/?token=redacted&access_token=redacted',
    );
  });

  it('cuts them when a quoted-printable soft break falls anywhere, in the name too (Baton sends its mail quoted-printable)', () => {
    for (const link of [LINK, LINK.replace(/&/g, '&amp;')]) {
      const qp = link.replace(/=/g, '=3D');
      for (let cut = qp.indexOf('&exp'); cut < qp.length; cut++) {
        if (/=.?$/.test(qp.slice(0, cut).slice(-2))) continue; // never inside an =XX escape
        const text = `${qp.slice(0, cut)}=\r\n${qp.slice(cut)}`;
        expect(redactText(text).replace(/=\r\n/g, ''), `cut at ${cut}`).not.toContain(SIG.slice(-12));
      }
    }
  });

  it('cuts the MAC of approval Message-IDs and the given secret values; is idempotent', () => {
    const id = `<approval.cnVuXzE.0123abcd.${SIG}@baton.local>`;
    expect(redactText(`In-Reply-To: ${id}`)).toBe('In-Reply-To: <approval.cnVuXzE.0123abcd.redacted@baton.local>');
    expect(redactText('the key is hunter2-secret', ['hunter2-secret'])).toBe('the key is redacted');
    const once = redactText(`${LINK} ${id}`);
    expect(redactText(once)).toBe(once);
  });
});

describe('redactJson', () => {
  it('hides secret headers of every `headers` object and their values anywhere else', () => {
    const value = {
      trigger: {
        webhook: {
          headers: {
            'content-type': 'application/json',
            'x-sig': 'a'.repeat(64),
            'x-hook-proof': 'proof-value-1',
            Authorization: 'Bearer tok-1234567890abcdef',
          },
        },
      },
      input: { copied: `sig ${'a'.repeat(64)} and proof-value-1, tok-1234567890abcdef` },
    };
    const { value: out, secrets } = redactJson(value, new Set(['x-hook-proof']));
    expect(out).toEqual({
      trigger: {
        webhook: {
          headers: {
            'content-type': 'application/json',
            'x-sig': 'redacted',
            'x-hook-proof': 'redacted',
            Authorization: 'redacted',
          },
        },
      },
      input: { copied: 'sig redacted and redacted, redacted' },
    });
    expect(secrets).toContain('proof-value-1');
  });

  it('walks 10,000 levels without recursion', () => {
    let deep: unknown = `see ${LINK}`;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    let inner = redactJson(deep).value;
    for (let i = 0; i < 10_000; i++) inner = (inner as unknown[])[0];
    expect(inner).toBe(`see ${LINK.replace(SIG, 'redacted')}`);
  });

  it('names: schemes, credentials and configured ones; not ordinary headers', () => {
    for (const name of [
      'X-Hub-Signature-256',
      'Stripe-Signature',
      'X-Slack-Signature',
      'X-Signature',
      'Authorization',
      'Cookie',
      'X-Sig',
      'X-Gitlab-Token',
      'X-Api-Key',
    ])
      expect(isSecretHeader(name), name).toBe(true);
    for (const name of [
      'Content-Type',
      'X-GitHub-Event',
      'X-GitHub-Delivery',
      'User-Agent',
      'X-Slack-Request-Timestamp',
    ])
      expect(isSecretHeader(name), name).toBe(false);
    expect(isSecretHeader('X-Proof', new Set(['x-proof']))).toBe(true);
  });
});

describe('approval Message-IDs and link expiry', () => {
  it('a Message-ID verifies with its secret only; changed, unsigned and non-canonical ones do not', async () => {
    const id = await approvalMessageId('k1', 'run_1:review:1', 'baton.local', 'abc123');
    expect(await checkApprovalMessageId('k1', id)).toEqual({ verdict: 'valid', approvalId: 'run_1:review:1' });
    expect((await checkApprovalMessageId('k2', id))?.verdict).toBe('forged');
    const other = id.replace('abc123', 'abc124');
    expect((await checkApprovalMessageId('k1', other))?.verdict).toBe('forged');
    expect(await checkApprovalMessageId('k1', '<approval.cnVuXzE6cmV2aWV3OjE.0123abcd@baton.local>')).toEqual({
      verdict: 'unsigned',
      approvalId: 'run_1:review:1',
    });
    expect(await checkApprovalMessageId('k1', '<1234@example.com>')).toBeNull();
    // The last base64url character of a 32-byte MAC has 2 unused bits: a second spelling is refused.
    const mac = /\.([A-Za-z0-9_-]+)@/.exec(id)![1]!;
    const last = 'AEIMQUYcgkosw048'.indexOf(mac.at(-1)!);
    const twin = id.replace(`${mac}@`, `${mac.slice(0, -1)}${'BFJNRVZdhlptx159'[last]}@`);
    expect((await checkApprovalMessageId('k1', twin))?.verdict).toBe('forged');
  });

  it('exp: canonical decimal integers only', () => {
    expect(parseLinkExp('1796120972')).toBe(1796120972);
    expect(parseLinkExp('0')).toBe(0);
    for (const text of [
      '1796120972.0',
      '0x6b0e3a8c',
      '+1796120972',
      '1.796120972e9',
      ' 1796120972',
      '01796120972',
      '',
      '99999999999999999',
    ])
      expect(parseLinkExp(text), text).toBeNull();
  });
});
