import { createMimeMessage } from 'mimetext/browser';
import { describe, expect, it } from 'vitest';
import { composeMime } from '../../../src/app/mail/mime';
import { mimeProblems } from '../../support/mime-check';

/** The strict check that test/setup.ts runs on every outgoing message must catch each defect it names. */

const head = [
  'From: <a@baton.test>',
  'To: <b@example.com>',
  'Subject: hi',
  'Message-ID: <m-1@baton.test>',
  'MIME-Version: 1.0',
];
const plain = (headers: string[], body: string[], eol = '\r\n') => [...head, ...headers, '', ...body, ''].join(eol);

describe('the strict MIME check', () => {
  it('passes what the composer writes, in any script and length', () => {
    const raw = composeMime({
      from: 'a@baton.test',
      fromName: 'Ünïcode (Baton)',
      to: 'b@example.com',
      subject: 'Überprüfung '.repeat(40),
      text: 'ß'.repeat(3000),
      html: `<p>${'日本語 '.repeat(800)}</p>`,
      headers: { 'Message-ID': '<m-2@baton.test>' },
      date: 0,
    });
    expect(mimeProblems(raw)).toEqual([]);
  });

  it('finds bare LF line ends', () => {
    expect(mimeProblems(plain(['Content-Type: text/plain; charset=UTF-8'], ['hello'], '\n')).join('\n')).toMatch(
      /bare LF/,
    );
  });

  it('finds 8-bit bytes under 7bit', () => {
    const raw = plain(['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 7bit'], ['Grüße']);
    expect(mimeProblems(raw).join('\n')).toMatch(/8-bit data under Content-Transfer-Encoding 7bit/);
  });

  it('finds a body line over 998 octets and an unfolded header over 78', () => {
    const raw = plain(
      [
        `References: ${Array.from({ length: 40 }, (_, i) => `<id-${i}@example.com>`).join(' ')}`,
        'Content-Type: text/plain; charset=UTF-8',
      ],
      ['x'.repeat(1200)],
    );
    const problems = mimeProblems(raw).join('\n');
    expect(problems).toMatch(/body line 1: 1200 octets > 998/);
    expect(problems).toMatch(/characters, not folded at 78/);
  });

  it('finds an encoded-word over 75 characters', () => {
    const word = `=?UTF-8?B?${btoa('x'.repeat(120))}?=`;
    expect(mimeProblems(plain([`X-Long: ${word}`, 'Content-Type: text/plain'], ['x'])).join('\n')).toMatch(
      /encoded-word of \d+ characters > 75/,
    );
  });

  it("fails the old composer's reply (mimetext alone: 8-bit under 7bit, unfolded long subject)", () => {
    const msg = createMimeMessage();
    msg.setSender({ addr: 'a@baton.test', name: 'competitor-analysis (Baton)' });
    msg.setRecipient('b@example.com');
    msg.setSubject(`Re: ${'Überprüfung der Wettbewerber '.repeat(15)}`);
    msg.setHeader('Message-ID', '<m-3@baton.test>');
    msg.addMessage({ contentType: 'text/plain', data: `Grüße ${'lang '.repeat(500)}` });
    msg.addMessage({ contentType: 'text/html', data: `<p>Grüße ${'lang '.repeat(500)}</p>` });
    expect(mimeProblems(msg.asRaw()).length).toBeGreaterThan(0);
  });
});
