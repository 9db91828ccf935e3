import { describe, expect, it } from 'vitest';
import { aliasOf, ignoreReason, senderAllowed } from '../../src/app/email-classify';

const h = (pairs: Record<string, string>) => Object.entries(pairs).map(([key, value]) => ({ key, value }));

describe('ignoreReason', () => {
  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'a@b.c', 'auto_reply'],
    [{ 'auto-submitted': 'no' }, 'a@b.c', null],
    [{ 'x-autoreply': 'yes' }, 'a@b.c', 'auto_reply'],
    [{ subject: 'Out of Office: back Monday' }, 'a@b.c', 'auto_reply'],
    [{ 'content-type': 'multipart/report; report-type=delivery-status; boundary=x' }, 'a@b.c', 'bounce'],
    [{ 'content-type': 'multipart/report; report-type="disposition-notification"' }, 'a@b.c', 'read_receipt'],
    [{}, '', 'bounce'],
    [{}, 'MAILER-DAEMON@mx.example', 'bounce'],
    [{ 'list-id': '<dev.lists.example>' }, 'a@b.c', 'mailing_list'],
    [{ precedence: 'bulk' }, 'a@b.c', 'bulk'],
    [{ subject: 'Automatic pricing question' }, 'a@b.c', null],
    [{ subject: 'Hello' }, 'a@b.c', null],
  ])('%j from %s → %s', (headers, envelopeFrom, expected) => {
    expect(ignoreReason(h(headers), envelopeFrom, undefined)).toBe(expected);
  });
});

describe('senderAllowed', () => {
  it.each([
    ['ada@example.com', ['*@example.com'], true],
    ['ADA@Example.com', ['*@example.com'], true],
    ['ada@example.com.evil.test', ['*@example.com'], false],
    ['ada@sub.example.com', ['*@example.com'], false],
    ['ada@sub.example.com', ['*.example.com', '*@*.example.com'], true],
    ['bob@other.org', ['ada@example.com'], false],
    ['anyone@anywhere', undefined, true],
  ])('%s with %j → %s', (address, allow, expected) => {
    expect(senderAllowed(address, allow)).toBe(expected);
  });
});

describe('aliasOf', () => {
  it('takes the local part, lower-cased, without a +tag', () => {
    expect(aliasOf('Competitor-Intel+weekly@acme.test')).toBe('competitor-intel');
  });
});
