import { env } from 'cloudflare:test';
import { EmailMessage } from 'cloudflare:email';
import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkReplyToken, plusTagOf, signReplyToken } from '../../src/lib/reply-token';
import { linkSigningKey } from '../../src/adapter/cloudflare/env';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  stubOf,
  waitForRun,
  type RecordedMessage,
} from '../support/helpers';

/**
 * Issue 14 item 1: the local `send_email` binding replaces every Message-ID (as Cloudflare's may)
 * and returns the one it used. Replies carry that id, or only the signed Reply-To address.
 */

interface Sent extends RecordedMessage {
  deliveredMessageId?: string;
}
interface Approval {
  id: string;
  runId: string;
  status: string;
}

const APPROVE = `name: rw-approve
triggers: [ { email: { alias: rw-approve } } ]
steps:
  - { id: draft, agent: tagger, input: "draft" }
  - id: review
    approval: { assignees: [lead@example.com], message: "Send? {{ draft.output }}", deadline: 1h }
  - { id: send, agent: tagger, input: "{{ draft.output }}" }
`;
const CHAT = `name: rw-chat
triggers: [ { email: { alias: rw-chat } } ]
steps: [ { id: answer, agent: tagger, input: "{{ $trim(trigger.email.text) }} | before: {{ trigger.email.thread ? trigger.email.thread.output : 'nothing' }}" } ]
`;

const QUORUM = `name: rw-quorum
triggers: [ { email: { alias: rw-quorum } } ]
steps:
  - { id: draft, agent: tagger, input: "draft" }
  - id: review
    approval: { assignees: [lead@example.com, second@example.com], quorum: 2, message: "Send? {{ draft.output }}" }
`;

let n = 0;
const ask = async (alias: string, text: string) => {
  const id = `<ask-${++n}-${crypto.randomUUID()}@example.com>`;
  const out = await receive(
    rawEmail({ From: 'ada@example.com', To: `${alias}@baton.test`, Subject: 'Please', 'Message-ID': id }, text),
    { from: 'ada@example.com', to: `${alias}@baton.test` },
  );
  expect(out.status).toBe('accepted');
  return { runId: out.runId!, messageId: id };
};
const sentOf = (runId: string, match: (m: Sent) => boolean) =>
  eventually(async () =>
    ((await (await api(`/runs/${runId}/messages`)).json()) as Sent[]).find(
      (m) => m.direction === 'outbound' && match(m),
    ),
  );
const pending = (runId: string) =>
  eventually(async () =>
    ((await (await api('/approvals?status=pending')).json()) as Approval[]).find((a) => a.runId === runId),
  );
const runsOf = async (workflow: string) =>
  ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: { id: string }[] }).runs.map((r) => r.id);
const replyToOf = async (sent: Sent) => (await PostalMime.parse(sent.raw)).replyTo?.[0]?.address ?? '';

/** The approval email of a run, with the id it was delivered with (which is not Baton's). */
async function approvalMail(runId: string) {
  const approval = await pending(runId);
  const sent = await sentOf(runId, (m) => m.raw.includes(`X-Baton-Approval: ${approval.id}`));
  expect(sent.deliveredMessageId).toMatch(/^<[A-Za-z0-9]{36}@baton\.test>$/);
  expect(sent.deliveredMessageId).not.toBe(sent.messageId);
  return { approval, sent, delivered: sent.deliveredMessageId! };
}

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await putWorkflow('rw-approve', APPROVE);
  await putWorkflow('rw-chat', CHAT);
  await putWorkflow('rw-quorum', QUORUM);
});

describe('the send_email binding of the tests replaces Message-IDs', () => {
  it('answers another Message-ID than the one the message had', async () => {
    const raw =
      'From: rw-chat@baton.test\r\nTo: ada@example.com\r\nSubject: probe\r\nMessage-ID: <probe-1@baton.test>\r\n\r\nhello\r\n';
    const result = await env.EMAIL.send(new EmailMessage('rw-chat@baton.test', 'ada@example.com', raw));
    expect(result.messageId).toMatch(/^<[A-Za-z0-9]{36}@baton\.test>$/);
  });
});

describe('a reply to the delivered Message-ID', () => {
  it("an assignee's reply to the approval email they received decides it; no new run starts", async () => {
    const { runId } = await ask('rw-approve', 'go');
    const { delivered } = await approvalMail(runId);
    const reply = rawEmail(
      {
        From: 'Lead <lead@example.com>',
        To: 'rw-approve@baton.test',
        Subject: 'Re: Approval needed',
        'Message-ID': `<lead-1-${runId}@example.com>`,
        'In-Reply-To': delivered,
        References: delivered,
      },
      'approve\nfine',
    );
    expect(await receive(reply, { from: 'lead@example.com', to: 'rw-approve@baton.test' })).toMatchObject({
      status: 'accepted',
      runId,
    });
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.find((s) => s.id === 'review')!.output).toMatchObject({
      decision: 'approve',
      comment: 'fine',
      decidedBy: 'lead@example.com',
    });
    expect(await runsOf('rw-approve')).toEqual([runId]);
  });

  it('a reply to a result email continues the conversation (trigger.email.thread)', async () => {
    const first = await ask('rw-chat', 'one');
    await waitForRun(first.runId);
    const result = await sentOf(first.runId, (m) => m.inReplyTo === first.messageId);
    expect(result.deliveredMessageId).toBeTruthy();
    expect(result.deliveredMessageId).not.toBe(result.messageId);
    const followUp = rawEmail(
      {
        From: 'ada@example.com',
        To: 'rw-chat@baton.test',
        Subject: 'Re: Please',
        'Message-ID': `<follow-${first.runId}@example.com>`,
        'In-Reply-To': result.deliveredMessageId!,
        References: `${first.messageId} ${result.deliveredMessageId}`,
      },
      'two',
    );
    const out = await receive(followUp, { from: 'ada@example.com', to: 'rw-chat@baton.test' });
    const run2 = await waitForRun(out.runId!);
    expect(run2.output).toBe('T: two | before: T: one | before: nothing');
    // Baton's own result come back with the delivered id (headers stripped by a relay) is its own mail.
    const echoed = rawEmail(
      {
        From: 'relay@forwarder.example',
        To: 'rw-chat@baton.test',
        Subject: 'Re: Please',
        'Message-ID': result.deliveredMessageId!,
      },
      'echo',
    );
    expect(await receive(echoed, { from: 'relay@forwarder.example', to: 'rw-chat@baton.test' })).toMatchObject({
      status: 'ignored',
      reason: 'own_message',
    });
  });
});

describe('a client that drops In-Reply-To and References: the signed Reply-To address', () => {
  it('approval and result emails carry Reply-To: <alias>+<token>@<domain>, a local part of at most 64 octets', async () => {
    const { runId } = await ask('rw-approve', 'go');
    const { sent } = await approvalMail(runId);
    const address = await replyToOf(sent);
    expect(address).toMatch(/^rw-approve\+a[a-z2-7]{31}@baton\.test$/);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
  });

  it('a reply to the approval email decides it with only the reply address', async () => {
    const { runId } = await ask('rw-approve', 'go');
    const { sent } = await approvalMail(runId);
    const address = await replyToOf(sent);
    const reply = rawEmail(
      {
        From: 'lead@example.com',
        To: address,
        Subject: 'Re: Approval needed',
        'Message-ID': `<lead-2-${runId}@example.com>`,
      },
      'reject\nnot now',
    );
    expect(await receive(reply, { from: 'lead@example.com', to: address })).toMatchObject({
      status: 'accepted',
      runId,
    });
    expect(await waitForRun(runId)).toMatchObject({ status: 'failed', error: { code: 'rejected', stepId: 'review' } });
    expect((await runsOf('rw-approve')).filter((id) => id === runId)).toEqual([runId]);
  });

  it('a reply to a result email continues the conversation with only the reply address, whatever its case', async () => {
    const first = await ask('rw-chat', 'uno');
    await waitForRun(first.runId);
    const result = await sentOf(first.runId, (m) => m.inReplyTo === first.messageId);
    const address = await replyToOf(result);
    expect(address).toMatch(/^rw-chat\+c[a-z2-7]{31}@baton\.test$/);
    const shouted = address.toUpperCase();
    const followUp = rawEmail(
      {
        From: 'ada@example.com',
        To: shouted,
        Subject: 'Re: Please',
        'Message-ID': `<follow-2-${first.runId}@example.com>`,
      },
      'dos',
    );
    const out = await receive(followUp, { from: 'ada@example.com', to: shouted });
    expect(out.status).toBe('accepted');
    const run2 = await waitForRun(out.runId!);
    expect(run2.output).toBe('T: dos | before: T: uno | before: nothing');
    const view = (await (await api(`/runs/${run2.id}`)).json()) as {
      trigger: { email: { to: string; thread: { runId: string } } };
    };
    expect(view.trigger.email.thread.runId).toBe(first.runId);
    // The token is not handed on to the run (nor to the From of its result).
    expect(view.trigger.email.to).toBe('RW-CHAT@BATON.TEST');
  });

  it('a tampered or expired token decides nothing, is recorded as rejected, and nobody is answered', async () => {
    const { runId } = await ask('rw-approve', 'go');
    const { approval, sent } = await approvalMail(runId);
    const address = await replyToOf(sent);
    const [local, domain] = address.split('@') as [string, string];
    const flip = (at: number) =>
      `${local.slice(0, at)}${local.at(at) === 'a' ? 'b' : 'a'}${local.slice(at).slice(1)}@${domain}`;
    const expiredToken = await signReplyToken(linkSigningKey(env), {
      kind: 'approval',
      tenantId: 'default',
      id: crypto.getRandomValues(new Uint8Array(7)),
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    const cases = [
      [flip(local.length - 5), /^forged_reply_token: /], // a MAC character
      [flip(local.length - 1), /^forged_reply_token: /], // the last one, whose spare bits make it non-canonical
      [flip(local.indexOf('+') + 3), /^forged_reply_token: /], // an id character
      [`rw-approve+${expiredToken}@${domain}`, /^expired_reply_token: /],
    ] as const;
    for (const [i, [to, reason]] of cases.entries()) {
      const id = `<bad-${i}-${runId}@example.com>`;
      const reply = rawEmail(
        { From: 'lead@example.com', To: to, Subject: `Re: bad ${i}`, 'Message-ID': id },
        'approve',
      );
      const outcome = await receive(reply, { from: 'lead@example.com', to });
      expect(outcome, to).toMatchObject({ status: 'rejected', reason: expect.stringMatching(reason) });
      const recorded = (
        (await (await api('/messages?direction=inbound&limit=200')).json()) as {
          messages: { messageId: string; status: string; reason?: string }[];
        }
      ).messages.find((m) => m.messageId === id);
      expect(recorded).toMatchObject({ status: 'rejected', reason: outcome.reason });
    }
    expect(((await (await api(`/approvals/${encodeURIComponent(approval.id)}`)).json()) as Approval).status).toBe(
      'pending',
    );
    expect(((await stubOf(runId).snapshot()) as unknown as { status: string }).status).toBe('waiting');
    expect(await runsOf('rw-approve')).toContain(runId);
    const answered = (
      (await (await api('/messages?direction=outbound&limit=200')).json()) as { messages: { subject: string }[] }
    ).messages.filter((m) => m.subject.startsWith('Re: bad'));
    expect(answered).toEqual([]);
  });

  it("an approval's reply address casts only its own assignee's vote, and without a deadline it does not expire", async () => {
    const { runId } = await ask('rw-quorum', 'go');
    const approval = await pending(runId);
    const leads = await sentOf(
      runId,
      (m) => m.to === 'lead@example.com' && m.raw.includes(`X-Baton-Approval: ${approval.id}`),
    );
    const address = await replyToOf(leads);
    // No deadline: the token carries no expiry, so it still verifies a year from now.
    const check = await checkReplyToken(
      linkSigningKey(env),
      'default',
      plusTagOf(address)!,
      Math.floor(Date.now() / 1000) + 365 * 24 * 3600,
    );
    expect(check).toMatchObject({ verdict: 'valid', exp: 0 });
    // The second assignee answering through the lead's address votes for nobody.
    const id = `<second-${runId}@example.com>`;
    const outcome = await receive(
      rawEmail(
        { From: 'second@example.com', To: address, Subject: 'Re: Approval needed', 'Message-ID': id },
        'approve',
      ),
      { from: 'second@example.com', to: address },
    );
    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^reply_token_not_yours: /) });
    expect(
      ((await (await api(`/approvals/${encodeURIComponent(approval.id)}`)).json()) as Approval & { votes?: unknown[] })
        .status,
    ).toBe('pending');
    // The lead's own reply through it counts.
    const mine = rawEmail(
      {
        From: 'lead@example.com',
        To: address,
        Subject: 'Re: Approval needed',
        'Message-ID': `<lead-q-${runId}@example.com>`,
      },
      'approve',
    );
    expect(await receive(mine, { from: 'lead@example.com', to: address })).toMatchObject({ status: 'accepted', runId });
  });
});
