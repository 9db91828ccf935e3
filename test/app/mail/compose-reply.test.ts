import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../src/core/engine/index';
import { stateOf } from '../../support/definitions';
import { composeNote, composeReply, replyMarkdown, replySubject } from '../../../src/app/mail/compose-reply';
import { composeApprovalEmail } from '../../../src/app/mail/compose-approval';
import { markdownToHtml } from '../../../src/core/markdown';
import { mimeProblems } from '../../support/mime-check';

function finished(output: unknown): RunState {
  const state = {
    ...stateOf('name: w\nsteps: [ { id: a, agent: x } ]'),
    runId: 'run_x',
    trigger: { type: 'email' as const },
  };
  const a = {
    status: 'succeeded' as const,
    attempt: 1,
    attempts: [{ attempt: 1, status: 'succeeded' as const, dispatchedAt: 0, provider: 'http' }],
    output,
  };
  return { ...state, steps: { ...state.steps, a }, status: 'completed', output, startedAt: 0, endedAt: 41_000 };
}

describe('reply composition', () => {
  it.each([
    ['Hello', 'Re: Hello'],
    ['Re: Hello', 'Re: Hello'],
    ['RE: Hello', 'RE: Hello'],
    ['  ', 'Re: (no subject)'],
  ])('subject %j → %j', (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });

  it('threads, encodes non-ASCII, and carries text, HTML and the footer', async () => {
    const reply = composeReply(
      finished('# Bericht über **Acme**'),
      {
        from: 'ada@example.com',
        to: 'intel@baton.test',
        subject: 'Überblick',
        messageId: '<m2@example.com>',
        references: ['<m1@example.com>'],
      },
      '<r1@baton.test>',
      50_000,
    );
    const mail = await PostalMime.parse(reply.raw);
    expect(mail.subject).toBe('Re: Überblick');
    expect(mail.inReplyTo).toBe('<m2@example.com>');
    expect(mail.references).toBe('<m1@example.com> <m2@example.com>');
    expect(mail.messageId).toBe('<r1@baton.test>');
    expect(mail.text).toContain('# Bericht über **Acme**');
    expect(mail.text).toContain('Workflow w · 1/1 steps · 41 s · agents: x');
    expect(mail.text).not.toContain('Offline mode');
    expect(mail.html).toContain('<h1>Bericht über <strong>Acme</strong></h1>');
    expect(mail.headers.find((h) => h.key === 'auto-submitted')?.value).toBe('auto-replied');
  });

  it('says which step failed, or that the run was cancelled', () => {
    const failed = {
      ...finished(null),
      status: 'failed' as const,
      error: { code: 'timeout' as const, message: 'too slow', retryable: false, stepId: 'a' },
    };
    expect(replyMarkdown(failed)).toContain('Step `a` failed: too slow (timeout)');
    const cancelled = {
      ...finished(null),
      status: 'cancelled' as const,
      error: { code: 'cancelled' as const, message: 'cancelled over the API', retryable: false },
    };
    expect(replyMarkdown(cancelled)).toContain(
      'Your request was cancelled** before it finished: cancelled over the API.',
    );
    expect(replyMarkdown(cancelled)).not.toContain('failed');
  });

  it('renders untrusted Markdown safely: raw HTML as text, only http(s) and mailto links', () => {
    const html = markdownToHtml('<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://example.com)');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<a href="https://example.com">y</a>');
  });
});

describe('every composed message is valid RFC 5322/2045 (issue 14, item 2)', () => {
  const longSubject = 'Überprüfung der Wettbewerber und ihrer Preise für Teams mit dreißig Personen — '.repeat(8);
  const longLine = `Ergebnis: ${'Größe und Preis '.repeat(200)}`;
  const chain = Array.from({ length: 40 }, (_, i) => `<m${i}-${'r'.repeat(40)}@example.com>`);

  it('a reply with a long non-ASCII subject, long lines and a long References chain', async () => {
    const reply = composeReply(
      finished(`${longLine}\n\n${'a'.repeat(1500)}\n\n| Werkzeug | Preis |\n|---|---|\n| Notion | 10 € |`),
      {
        from: 'ada@example.com',
        to: 'intel@baton.test',
        subject: longSubject,
        messageId: '<m40@example.com>',
        references: chain,
      },
      '<r1@baton.test>',
      50_000,
    );
    expect(mimeProblems(reply.raw)).toEqual([]);
    const mail = await PostalMime.parse(reply.raw);
    expect(mail.subject).toBe(`Re: ${longSubject.trim()}`.slice(0, 500));
    expect(mail.text).toContain(longLine);
    expect(mail.text).toContain('a'.repeat(1500));
    expect(mail.html).toContain('<td>10 €</td>');
    const references = mail.references!.split(' ');
    expect(references).toHaveLength(20);
    expect(references[0]).toBe(chain[0]);
    expect(references.slice(1)).toEqual([...chain.slice(-18), '<m40@example.com>']);
    expect(reply.references).toBe(mail.references);
  });

  it('the References of a parent without References are its In-Reply-To and Message-ID', () => {
    const reply = composeReply(
      finished('ok'),
      {
        from: 'ada@example.com',
        to: 'intel@baton.test',
        subject: 'Re: x',
        messageId: '<b@example.com>',
        inReplyTo: '<a@example.com>',
      },
      '<r2@baton.test>',
      0,
    );
    expect(reply.references).toBe('<a@example.com> <b@example.com>');
    expect(reply.raw).toContain('\r\nReferences: <a@example.com> <b@example.com>\r\n');
  });

  it('no header can be injected, and malformed ids are left out', async () => {
    const reply = composeReply(
      finished('ok'),
      {
        from: 'ada@example.com',
        to: 'intel@baton.test',
        subject: 'Hi\r\nBcc: eve@evil.test',
        messageId: '<b@example.com>',
        references: ['<bad id@x>', `<${'z'.repeat(300)}@x>`, '<a@example.com>'],
      },
      '<r3@baton.test>',
      0,
    );
    expect(mimeProblems(reply.raw)).toEqual([]);
    const mail = await PostalMime.parse(reply.raw);
    expect(mail.headers.find((h) => h.key === 'bcc')).toBeUndefined();
    expect(mail.subject).toBe('Re: Hi Bcc: eve@evil.test');
    expect(mail.references).toBe('<a@example.com> <b@example.com>');
  });

  it('notes and approval emails, with extra headers such as Reply-To', async () => {
    const note = composeNote({
      from: 'intel@baton.test',
      to: 'ada@example.com',
      subject: longSubject,
      text: `${longLine}\nZeile 2`,
      messageId: '<n1@baton.test>',
      now: 0,
      thread: { messageId: '<p@example.com>', references: chain },
      headers: { 'Reply-To': 'intel+tok@baton.test' },
    });
    expect(mimeProblems(note.raw)).toEqual([]);
    const parsedNote = await PostalMime.parse(note.raw);
    expect(parsedNote.text?.replace(/\r\n/g, '\n').trimEnd()).toBe(`${longLine}\nZeile 2`);
    expect(parsedNote.replyTo?.[0]?.address).toBe('intel+tok@baton.test');

    const approval = {
      id: 'run_1:review:1',
      stepId: 'review',
      round: 1,
      message: `## Bitte prüfen\n\n${longLine}`,
      assignees: ['ada@example.com'],
      options: ['approve', 'reject'] as ('approve' | 'reject')[],
      quorum: 1,
      deadlineAt: null,
    };
    const mail = await composeApprovalEmail({
      approval,
      workflow: 'w',
      from: 'w@baton.test',
      to: 'ada@example.com',
      baseUrl: 'https://baton.test',
      signingKey: 'k',
      now: 0,
      nonce: 'n0nce',
    });
    expect(mimeProblems(mail.raw)).toEqual([]);
    const parsed = await PostalMime.parse(mail.raw);
    expect(parsed.text).toContain(longLine);
    expect(parsed.html).toContain('<h2>Bitte prüfen</h2>');
    expect(parsed.from).toMatchObject({ address: 'w@baton.test', name: 'w (Baton)' });
  });

  it('composes from its inputs alone: the same inputs give the same bytes, with the given Date', async () => {
    const approval = {
      id: 'run_1:review:1',
      stepId: 'review',
      round: 1,
      message: 'Send it?',
      assignees: ['ada@example.com'],
      options: ['approve'] as 'approve'[],
      quorum: 1,
      deadlineAt: null,
    };
    const compose = () =>
      composeApprovalEmail({
        approval,
        workflow: 'w',
        from: 'w@baton.test',
        to: 'ada@example.com',
        baseUrl: 'https://baton.test',
        signingKey: 'k',
        now: Date.UTC(2026, 11, 1, 9, 30),
        nonce: 'abc123',
      });
    const [first, second] = [await compose(), await compose()];
    expect(second.raw).toBe(first.raw);
    expect(first.raw).toContain('Date: Tue, 01 Dec 2026 09:30:00 +0000\r\n');
    expect((await compose()).messageId).toContain('abc123');
  });
});
