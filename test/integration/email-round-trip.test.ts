import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKFLOW_YAML, demoAgentBodies } from '../../src/demo/demo';
import {
  api,
  deliver,
  fixture,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  replyOf,
  waitForRun,
  type RecordedMessage,
} from '../support/helpers';

async function inboundFor(messageId: string): Promise<{ status: string; reason?: string; runId?: string }[]> {
  const res = await api('/messages?direction=inbound&limit=200');
  const { messages } = (await res.json()) as {
    messages: { messageId: string; status: string; reason?: string; runId?: string }[];
  };
  return messages.filter((m) => m.messageId === messageId);
}

describe('main job: an email to the demo alias comes back as a threaded report', () => {
  beforeAll(async () => {
    for (const [name, body] of Object.entries(demoAgentBodies({}))) await putAgent(name, body);
    await putWorkflow('competitor-analysis', DEMO_WORKFLOW_YAML);
  });

  it('runs research → summarize → draft → proofread and replies in the thread', async () => {
    const messageId = '<intel-1@example.com>';
    const raw = rawEmail(
      {
        From: 'Ada <ada@example.com>',
        To: 'competitor-intel@baton.test',
        Subject: 'CRM competitors',
        'Message-ID': messageId,
        References: '<earlier@example.com>',
        Date: 'Sun, 22 Nov 2026 09:00:00 +0000',
      },
      'Please compare Salesforce, HubSpot and Pipedrive for a 20-person sales team.\nPricing and onboarding time matter most.',
    );
    await deliver(raw, { from: 'ada@example.com', to: 'competitor-intel@baton.test' });
    const [inbound] = await inboundFor(messageId);
    expect(inbound).toMatchObject({ status: 'accepted' });
    const run = await waitForRun(inbound!.runId!);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['research', 'succeeded'],
      ['summarize', 'succeeded'],
      ['draft', 'succeeded'],
      ['proofread', 'succeeded'],
    ]);
    expect(run.steps[0]!.input).toContain('Salesforce, HubSpot and Pipedrive');
    expect(run.output).toMatch(/^# Report: /);

    const { recorded, parsed } = await replyOf(run.id);
    expect(recorded).toMatchObject({
      status: 'sent',
      from: 'competitor-intel@baton.test',
      to: 'ada@example.com',
      subject: 'Re: CRM competitors',
      inReplyTo: messageId,
    });
    expect(recorded.references).toBe(`<earlier@example.com> ${messageId}`);
    expect(parsed.inReplyTo).toBe(messageId);
    expect(parsed.references).toBe(`<earlier@example.com> ${messageId}`);
    expect(parsed.subject).toBe('Re: CRM competitors');
    expect(parsed.text).toContain('# Report: ');
    expect(parsed.text).toMatch(
      /Workflow competitor-analysis · 4\/4 steps · \d+ s · agents: research, summarize, draft, proofread/,
    );
    expect(parsed.text).toContain('Offline mode');
    expect(parsed.html).toContain('<h1>Report: ');
  });

  it('a repeated Message-ID starts nothing and is recorded as duplicate', async () => {
    const raw = rawEmail(
      {
        From: 'ada@example.com',
        To: 'competitor-intel@baton.test',
        Subject: 'Again',
        'Message-ID': '<dup-1@example.com>',
      },
      'Same message twice.',
    );
    await deliver(raw, { from: 'ada@example.com', to: 'competitor-intel@baton.test' });
    await deliver(raw, { from: 'ada@example.com', to: 'competitor-intel@baton.test' });
    const records = await inboundFor('<dup-1@example.com>');
    expect(records.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate']);
  });

  it('an unknown alias is rejected at SMTP time and recorded', async () => {
    const raw = rawEmail(
      { From: 'ada@example.com', To: 'nobody@baton.test', Subject: 'Hi', 'Message-ID': '<unknown-alias@example.com>' },
      'Hello',
    );
    const outcome = await deliver(raw, { from: 'ada@example.com', to: 'nobody@baton.test' });
    expect(outcome.rejected).toBe('Unknown address');
    expect(await inboundFor('<unknown-alias@example.com>')).toMatchObject([
      { status: 'rejected', reason: 'unknown_alias: nobody' },
    ]);
  });
});

describe('http agents, allow-list and a real MIME fixture', () => {
  beforeAll(async () => {
    await putAgent('analyst', httpAgent('tag/ANALYST'));
    await putAgent('writer', httpAgent('tag/WRITER'));
    await putWorkflow(
      'mime-check',
      `
name: mime-check
triggers:
  - email: { alias: mime-check, allow: ["*@jamehi03lx.noa.com"] }
steps:
  - id: analyse
    agent: analyst
    input: "{{ trigger.email.subject & ' | ' & trigger.email.text }}"
  - id: write
    agent: writer
    input: "{{ analyse.output }}"
`,
    );
  });

  it('the agents get the decoded subject (RFC 2047) and body (quoted-printable) and the reply carries both', async () => {
    // enmime's qp-utf8-header.eml: multipart/alternative, QP text part, =?utf-8?q?…?= subject.
    await deliver(fixture('enmime__qp-utf8-header.eml'), {
      from: 'jamehi03@jamehi03lx.noa.com',
      to: 'mime-check@baton.test',
    });
    const messages = (await (await api('/messages?direction=inbound&limit=200')).json()) as {
      messages: { messageId: string; status: string; runId?: string }[];
    };
    const inbound = messages.messages.find((m) => m.messageId === '<5081A889.3020108@jamehi03lx.noa.com>');
    expect(inbound?.status).toBe('accepted');
    const run = await waitForRun(inbound!.runId!);
    expect(run.status).toBe('completed');

    const received = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as {
      url: string;
      headers: Record<string, string>;
      body: { input: string; idempotencyKey: string };
    }[];
    const analyst = received.find((r) => r.url === '/agents/tag/ANALYST' && r.body.idempotencyKey.startsWith(run.id));
    expect(analyst?.body.input).toContain(
      'MIME UTF8 Test ¢ More Text | Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nullam venenatis ante',
    );
    expect(analyst?.body.input).not.toContain('=\n');
    expect(analyst?.headers['idempotency-key']).toBe(`${run.id}:analyse:1`);

    const { parsed } = await replyOf(run.id);
    expect(parsed.text).toContain('WRITER: ANALYST: MIME UTF8 Test ¢ More Text');
    expect(parsed.to?.[0]?.address).toBe('jamehi03@jamehi03lx.noa.com');
    expect(parsed.subject).toBe('Re: MIME UTF8 Test ¢ More Text');
  });

  it('a sender outside allow starts nothing and is recorded as rejected', async () => {
    const raw = rawEmail(
      { From: 'eve@evil.test', To: 'mime-check@baton.test', Subject: 'Let me in', 'Message-ID': '<eve-1@evil.test>' },
      'hi',
    );
    await deliver(raw, { from: 'eve@evil.test', to: 'mime-check@baton.test' });
    const res = await api('/messages?direction=inbound&limit=200');
    const { messages } = (await res.json()) as {
      messages: { messageId: string; status: string; reason?: string; runId?: string }[];
    };
    const record = messages.find((m) => m.messageId === '<eve-1@evil.test>');
    expect(record).toMatchObject({ status: 'rejected', reason: 'sender_not_allowed: eve@evil.test' });
    expect(record?.runId).toBeUndefined();
    const runs = (await (await api('/runs?workflow=mime-check')).json()) as { runs: unknown[] };
    expect(runs.runs).toHaveLength(1);
  });

  it('a run that fails replies naming the failed step and why', async () => {
    await putAgent('broken', httpAgent('status/400'));
    await putWorkflow(
      'fails',
      `
name: fails
triggers: [ { email: { alias: fails } } ]
steps:
  - { id: first, agent: analyst, input: "{{ trigger.email.text }}" }
  - { id: second, agent: broken, input: "{{ first.output }}" }
`,
    );
    const raw = rawEmail(
      { From: 'ada@example.com', To: 'fails@baton.test', Subject: 'Break it', 'Message-ID': '<fail-1@example.com>' },
      'go',
    );
    await deliver(raw, { from: 'ada@example.com', to: 'fails@baton.test' });
    const [inbound] = await inboundFor('<fail-1@example.com>');
    const run = await waitForRun(inbound!.runId!);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'agent_error', stepId: 'second' });
    expect(run.steps[1]).toMatchObject({ status: 'failed', attempts: 1 });
    const { parsed, recorded } = await replyOf(run.id);
    expect((recorded as RecordedMessage).inReplyTo).toBe('<fail-1@example.com>');
    expect(parsed.text).toContain('Step `second` failed: HTTP 400');
    expect(parsed.text).toContain('Workflow fails · 1/2 steps');
  });
});

describe('conversational workflows', () => {
  it('a reply to a result email starts a new run of the same workflow with the earlier output in trigger.email.thread', async () => {
    await putAgent('tagger', httpAgent('tag/T'));
    await putWorkflow(
      'chat',
      'name: chat\ntriggers: [ { email: { alias: chat } } ]\nsteps: [ { id: answer, agent: tagger, input: "{{ $trim(trigger.email.text) }} | before: {{ trigger.email.thread ? trigger.email.thread.output : \'nothing\' }}" } ]',
    );
    const first = rawEmail(
      { From: 'ada@example.com', To: 'chat@baton.test', Subject: 'Question', 'Message-ID': '<chat-1@example.com>' },
      'one',
    );
    await deliver(first, { from: 'ada@example.com', to: 'chat@baton.test' });
    const [inbound1] = await inboundFor('<chat-1@example.com>');
    const run1 = await waitForRun(inbound1!.runId!);
    expect(run1.output).toBe('T: one | before: nothing');
    const { recorded } = await replyOf(run1.id);

    const followUp = rawEmail(
      {
        From: 'ada@example.com',
        To: 'chat@baton.test',
        Subject: 'Re: Question',
        'Message-ID': '<chat-2@example.com>',
        'In-Reply-To': recorded.messageId,
        References: `<chat-1@example.com> ${recorded.messageId}`,
      },
      'two',
    );
    await deliver(followUp, { from: 'ada@example.com', to: 'chat@baton.test' });
    const [inbound2] = await inboundFor('<chat-2@example.com>');
    expect(inbound2!.runId).not.toBe(run1.id);
    const run2 = await waitForRun(inbound2!.runId!);
    expect(run2.output).toBe('T: two | before: T: one | before: nothing');
    const view = (await (await api(`/runs/${run2.id}`)).json()) as { trigger: { email: { thread: unknown } } };
    expect(view.trigger.email.thread).toEqual({
      runId: run1.id,
      subject: 'Re: Question',
      output: 'T: one | before: nothing',
    });
  });
});

describe('HTML-only requests and threading of replies (issue 14, items 2 and 3)', () => {
  beforeAll(async () => {
    await putAgent('html-reader', httpAgent('tag/H'));
    await putWorkflow(
      'html-only',
      'name: html-only\ntriggers: [ { email: { alias: html-only } } ]\nsteps: [ { id: read, agent: html-reader, input: "{{ trigger.email.text }}" } ]',
    );
  });

  it('a text/html-only request reaches the agents with its text', async () => {
    const html =
      '<html><head><style>p { color: red }</style><script>var x = 1;</script></head><body>' +
      '<div dir="ltr">Please compare <b>Notion</b> and <i>Coda</i> for a 30-person team. Pricing matters most.</div><div><img src="cid:logo"></div></body></html>';
    const raw = rawEmail(
      {
        From: 'ada@example.com',
        To: 'html-only@baton.test',
        Subject: 'Notion vs Coda',
        'Message-ID': '<html-1@example.com>',
        'MIME-Version': '1.0',
        'Content-Type': 'text/html; charset=utf-8',
      },
      html,
    );
    await deliver(raw, { from: 'ada@example.com', to: 'html-only@baton.test' });
    const [inbound] = await inboundFor('<html-1@example.com>');
    const run = await waitForRun(inbound!.runId!);
    expect(run.status).toBe('completed');
    const received = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as {
      url: string;
      body: { input: string; idempotencyKey: string };
    }[];
    const reader = received.find((r) => r.url === '/agents/tag/H' && r.body.idempotencyKey.startsWith(run.id));
    expect(reader?.body.input).toBe('Please compare Notion and Coda for a 30-person team. Pricing matters most.');
    expect(run.output).toBe('H: Please compare Notion and Coda for a 30-person team. Pricing matters most.');
  });

  it("a reply's References are the parent's In-Reply-To and Message-ID when the parent has no References", async () => {
    const raw = rawEmail(
      {
        From: 'ada@example.com',
        To: 'html-only@baton.test',
        Subject: 'Re: earlier',
        'Message-ID': '<irt-2@example.com>',
        'In-Reply-To': '<irt-1@example.com>',
      },
      'Follow-up.',
    );
    await deliver(raw, { from: 'ada@example.com', to: 'html-only@baton.test' });
    const [inbound] = await inboundFor('<irt-2@example.com>');
    const run = await waitForRun(inbound!.runId!);
    const { recorded, parsed } = await replyOf(run.id);
    expect(recorded.references).toBe('<irt-1@example.com> <irt-2@example.com>');
    expect(parsed.references).toBe('<irt-1@example.com> <irt-2@example.com>');
    expect(parsed.inReplyTo).toBe('<irt-2@example.com>');
  });

  it('a long thread keeps its root id and the newest ones, folded, and a long non-ASCII subject', async () => {
    const chain = Array.from({ length: 40 }, (_, i) => `<thread-${i}-${'x'.repeat(30)}@example.com>`);
    const subject = `=?utf-8?B?${btoa(String.fromCharCode(...new TextEncoder().encode('Überprüfung der Wettbewerber — '.repeat(12))))}?=`;
    const raw = rawEmail(
      {
        From: 'ada@example.com',
        To: 'html-only@baton.test',
        Subject: subject,
        'Message-ID': '<long-1@example.com>',
        References: chain.join('\r\n '),
        'In-Reply-To': chain.at(-1)!,
      },
      'Long thread.',
    );
    await deliver(raw, { from: 'ada@example.com', to: 'html-only@baton.test' });
    const [inbound] = await inboundFor('<long-1@example.com>');
    const run = await waitForRun(inbound!.runId!);
    const { recorded, parsed } = await replyOf(run.id);
    const references = recorded.references!.split(' ');
    expect(references).toHaveLength(20);
    expect(references[0]).toBe(chain[0]);
    expect(references.slice(1)).toEqual([...chain.slice(-18), '<long-1@example.com>']);
    expect(parsed.references).toBe(recorded.references);
    expect(parsed.subject).toBe(`Re: ${'Überprüfung der Wettbewerber — '.repeat(12).trim()}`);
  });
});
