import { beforeAll, describe, expect, it } from 'vitest';
import { putAgent, putWorkflow, rawEmail, receive, replyOf, waitForRun } from '../support/helpers';

const ALIAS = 'loop-a@baton.test';
/** Two results Baton sent: one comes back whole, the other's Message-ID only. */
let reply: { raw: string; messageId: string };
let other: { raw: string; messageId: string };

async function replyTo(n: number) {
  const first = await receive(
    rawEmail(
      { From: 'ada@example.com', To: ALIAS, Subject: 'Start', 'Message-ID': `<loop-start-${n}@example.com>` },
      'hello',
    ),
    { from: 'ada@example.com', to: ALIAS },
  );
  expect(first.status).toBe('accepted');
  await waitForRun(first.runId!);
  return (await replyOf(first.runId!)).recorded;
}

beforeAll(async () => {
  await putAgent('loop-echo', { provider: 'builtin', config: { tool: 'echo' } });
  await putWorkflow(
    'loop-a',
    'name: loop-a\ntriggers: [ { email: { alias: loop-a } } ]\nsteps: [ { id: e, agent: loop-echo, input: "{{ trigger.email.text }}" } ]',
  );
  reply = await replyTo(1);
  other = await replyTo(2);
});

const bytes = (text: string) => new TextEncoder().encode(text);
const mail = (headers: Record<string, string>) =>
  rawEmail({ To: ALIAS, Subject: 'Re: Start', ...headers }, 'an answer');

describe('Baton never answers its own mail, even when a relay strips Auto-Submitted', () => {
  it.each([
    [
      'its X-Baton-Run header',
      { From: 'bob@elsewhere.test', 'Message-ID': '<h1@elsewhere.test>', 'X-Baton-Run': 'run_x' },
      'bob@elsewhere.test',
    ],
    [
      'its X-Baton-Approval header',
      { From: 'bob@elsewhere.test', 'Message-ID': '<h2@elsewhere.test>', 'X-Baton-Approval': 'run_x:review:1' },
      'bob@elsewhere.test',
    ],
    [
      'a Message-ID Baton sent',
      {
        From: 'bob@elsewhere.test',
        get 'Message-ID'() {
          return other.messageId;
        },
      },
      'bob@elsewhere.test',
    ],
    [
      'From: one of its aliases at the domain it received at',
      { From: 'Loop <LOOP-A+x@Baton.Test>', 'Message-ID': '<a1@elsewhere.test>' },
      'bounce-srs@forwarder.example',
    ],
    [
      'the envelope sender is one of its aliases',
      { From: 'someone@elsewhere.test', 'Message-ID': '<a2@elsewhere.test>' },
      ALIAS,
    ],
    [
      'From: its alias at MAIL_DOMAIN',
      { From: 'loop-a@baton.local', 'Message-ID': '<a3@elsewhere.test>' },
      'x@forwarder.example',
    ],
  ])('recognised by %s', async (_label, headers, envelopeFrom) => {
    expect(await receive(mail({ ...headers }), { from: envelopeFrom, to: ALIAS })).toMatchObject({
      status: 'ignored',
      reason: 'own_message',
    });
  });

  it('its own reply sent back without Auto-Submitted is ignored (own_message) and starts nothing', async () => {
    const stripped = reply.raw.replace(/^Auto-Submitted:.*\r?\n/im, '');
    expect(stripped).not.toMatch(/auto-submitted/i);
    expect(await receive(bytes(stripped), { from: 'relay@forwarder.example', to: ALIAS })).toMatchObject({
      status: 'ignored',
      reason: 'own_message',
    });
  });

  it('a person at the same domain, or at another domain using an alias name, still starts a run', async () => {
    expect(
      await receive(mail({ From: 'carol@baton.test', 'Message-ID': '<p1@baton.test>' }), {
        from: 'carol@baton.test',
        to: ALIAS,
      }),
    ).toMatchObject({ status: 'accepted' });
    expect(
      await receive(mail({ From: 'loop-a@customer.example', 'Message-ID': '<p2@customer.example>' }), {
        from: 'loop-a@customer.example',
        to: ALIAS,
      }),
    ).toMatchObject({ status: 'accepted' });
  });
});
