import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/engine';
import { stateOf } from '../support/definitions';
import { composeReply, replyMarkdown, replySubject } from '../../src/runtime/compose-reply';
import { markdownToHtml } from '../../src/core/markdown';

function finished(output: unknown): RunState {
  const state = { ...stateOf('name: w\nsteps: [ { id: a, agent: x } ]'), runId: 'run_x', trigger: { type: 'email' as const } };
  const a = { status: 'succeeded' as const, attempt: 1, attempts: [{ attempt: 1, status: 'succeeded' as const, dispatchedAt: 0, provider: 'http' }], output };
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
    const reply = composeReply(finished('# Bericht über **Acme**'), {
      from: 'ada@example.com', to: 'intel@baton.test', subject: 'Überblick', messageId: '<m2@example.com>', references: ['<m1@example.com>'],
    }, '<r1@baton.test>', 50_000);
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
    const failed = { ...finished(null), status: 'failed' as const, error: { code: 'timeout', message: 'too slow', retryable: false, stepId: 'a' } };
    expect(replyMarkdown(failed)).toContain('Step `a` failed: too slow (timeout)');
    const cancelled = { ...finished(null), status: 'cancelled' as const, error: { code: 'cancelled', message: 'cancelled over the API', retryable: false } };
    expect(replyMarkdown(cancelled)).toContain('Your request was cancelled** before it finished: cancelled over the API.');
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
