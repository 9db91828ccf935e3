import { describe, expect, it } from 'vitest';
import { receiveEmail, type InboundEmail } from '../../src/app/receive-email';
import { addWorkflow, memoryHost, type MemoryHost } from './memory-ports';

const SUPPORT = `name: support
triggers: [ { email: { alias: support, allow: ["*@example.com"] } } ]
steps: [ { id: answer, agent: echo, input: "{{ trigger.email.text }}" } ]`;

/** An RFC 5322 message as bytes. */
function raw(headers: Record<string, string>, body = 'Hello, I have a question.'): Uint8Array {
  const lines = Object.entries({
    Date: 'Thu, 01 Jan 2026 00:00:00 +0000',
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
  }).map(([k, v]) => `${k}: ${v}`);
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n\r\n${body}\r\n`);
}

/** The envelope and source of one delivery; `rejected` collects what setReject was told. */
function inbound(from: string, to: string, headers: Record<string, string>): InboundEmail & { rejected: string[] } {
  const bytes = raw({ From: from, To: to, Subject: 'Question', ...headers });
  const rejected: string[] = [];
  return {
    from,
    to,
    raw: new Response(bytes).body!,
    rawSize: bytes.byteLength,
    setReject: (reason) => void rejected.push(reason),
    rejected,
  };
}

function host(): MemoryHost {
  const h = memoryHost();
  addWorkflow(h, SUPPORT);
  return h;
}

describe('receiveEmail (use case on in-memory ports)', () => {
  it("a message from an allowed sender starts the alias's workflow, keyed by its Message-ID", async () => {
    const h = host();
    const outcome = await receiveEmail(
      h.ports,
      inbound('ada@example.com', 'support@baton.local', { 'Message-ID': '<q1@example.com>' }),
      't1',
    );
    expect(outcome).toMatchObject({ status: 'accepted', runId: h.runs[0]!.id });
    expect(h.runs[0]).toMatchObject({
      workflowName: 'support',
      idempotencyKey: 'email:<q1@example.com>',
      triggerType: 'email',
    });
    expect(h.runs[0]!.trigger).toMatchObject({
      email: {
        from: 'ada@example.com',
        to: 'support@baton.local',
        subject: 'Question',
        text: expect.stringContaining('I have a question'),
      },
    });
    expect(h.inbound).toEqual([
      expect.objectContaining({
        tenantId: 't1',
        status: 'accepted',
        messageId: '<q1@example.com>',
        workflowName: 'support',
        runId: outcome.runId,
      }),
    ]);
  });

  it('a sender outside the allow-list is rejected, recorded with the reason, and starts nothing', async () => {
    const h = host();
    const outcome = await receiveEmail(
      h.ports,
      inbound('mallory@evil.test', 'support@baton.local', { 'Message-ID': '<q2@evil.test>' }),
      't1',
    );
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'sender_not_allowed: mallory@evil.test' });
    expect(h.inbound).toEqual([
      expect.objectContaining({
        status: 'rejected',
        reason: 'sender_not_allowed: mallory@evil.test',
        workflowName: 'support',
        runId: null,
      }),
    ]);
    expect(h.runs).toHaveLength(0);
  });

  it('the same Message-ID twice is a duplicate: one run', async () => {
    const h = host();
    const first = await receiveEmail(
      h.ports,
      inbound('ada@example.com', 'support@baton.local', { 'Message-ID': '<q3@example.com>' }),
      't1',
    );
    const again = await receiveEmail(
      h.ports,
      inbound('ada@example.com', 'support@baton.local', { 'Message-ID': '<q3@example.com>' }),
      't1',
    );
    expect(first.status).toBe('accepted');
    expect(again).toMatchObject({ status: 'duplicate', reason: 'message_id_seen' });
    expect(h.runs).toHaveLength(1);
    expect(h.inbound.map((m) => m.status)).toEqual(['accepted', 'duplicate']);
  });

  it('an unknown alias is rejected at SMTP (setReject) and recorded', async () => {
    const h = host();
    const message = inbound('ada@example.com', 'Sales+promo@baton.local', { 'Message-ID': '<q4@example.com>' });
    const outcome = await receiveEmail(h.ports, message, 't1');
    expect(outcome).toMatchObject({ status: 'rejected', reason: 'unknown_alias: sales' });
    expect(message.rejected).toEqual(['Unknown address']);
    expect(h.inbound[0]).toMatchObject({ status: 'rejected', reason: 'unknown_alias: sales' });
    expect(h.runs).toHaveLength(0);
  });

  it('an auto-reply is ignored: recorded, no run, no answer', async () => {
    const h = host();
    const outcome = await receiveEmail(
      h.ports,
      inbound('ada@example.com', 'support@baton.local', {
        'Message-ID': '<q5@example.com>',
        'Auto-Submitted': 'auto-replied',
      }),
      't1',
    );
    expect(outcome).toMatchObject({ status: 'ignored', reason: 'auto_reply' });
    expect(h.inbound[0]).toMatchObject({ status: 'ignored', reason: 'auto_reply' });
    expect(h.runs).toHaveLength(0);
    expect(h.notes).toHaveLength(0);
  });

  it("Baton's own mail come back (a Message-ID it sent) is ignored", async () => {
    const h = host();
    h.sent.push({
      messageId: '<sent-1@baton.local>',
      runId: null,
      workflowName: null,
      subject: null,
      to: 'ada@example.com',
      approvalId: null,
    });
    const outcome = await receiveEmail(
      h.ports,
      inbound('ada@example.com', 'support@baton.local', { 'Message-ID': '<sent-1@baton.local>' }),
      't1',
    );
    expect(outcome).toMatchObject({ status: 'ignored', reason: 'own_message' });
    expect(h.runs).toHaveLength(0);
  });

  it('a reply to an approval email from an assignee decides it; one without a decision is explained to the assignee', async () => {
    const h = host();
    h.approvals.push({
      id: 'run_a:review:1',
      runId: 'run_a',
      stepId: 'review',
      round: 1,
      workflowName: 'support',
      options: ['approve', 'reject'],
      assignees: ['Boss@example.com'],
      status: 'pending',
    });
    h.sent.push({
      messageId: '<ask-1@baton.local>',
      runId: 'run_a',
      workflowName: 'support',
      subject: 'Approve?',
      to: 'boss@example.com',
      approvalId: 'run_a:review:1',
    });
    const unclear = inbound('boss@example.com', 'support@baton.local', {
      'Message-ID': '<r1@example.com>',
      'In-Reply-To': '<ask-1@baton.local>',
      Subject: 'Re: Approve?',
    });
    expect(await receiveEmail(h.ports, unclear, 't1')).toMatchObject({
      status: 'rejected',
      reason: 'approval_reply_without_decision',
      runId: 'run_a',
    });
    expect(h.notes).toEqual([
      expect.objectContaining({
        dedupeId: 'approval-answer:<r1@example.com>',
        from: 'support@baton.local',
        to: 'boss@example.com',
        thread: expect.objectContaining({ messageId: '<r1@example.com>' }),
      }),
    ]);
    expect(h.votes).toHaveLength(0);

    const bytes = raw(
      {
        From: 'boss@example.com',
        To: 'support@baton.local',
        Subject: 'Re: Approve?',
        'Message-ID': '<r2@example.com>',
        'In-Reply-To': '<ask-1@baton.local>',
      },
      'Approve.\r\nLooks good',
    );
    const yes = await receiveEmail(
      h.ports,
      {
        from: 'boss@example.com',
        to: 'support@baton.local',
        raw: new Response(bytes).body!,
        rawSize: bytes.byteLength,
        setReject: () => {},
      },
      't1',
    );
    expect(yes).toMatchObject({ status: 'accepted', runId: 'run_a' });
    expect(h.votes).toEqual([
      {
        runId: 'run_a',
        vote: { stepId: 'review', round: 1, decision: 'approve', comment: 'Looks good', by: 'boss@example.com' },
      },
    ]);
    expect(h.runs).toHaveLength(0);
  });

  it('malformed or oversized input is recorded as rejected, never thrown', async () => {
    const h = host();
    const big = { ...inbound('ada@example.com', 'support@baton.local', {}), rawSize: 26 * 1024 * 1024 };
    expect(await receiveEmail(h.ports, big, 't1')).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^too_large: /),
    });
    h.ports.messages.seenInbound = async () => {
      throw new Error('D1 is down');
    };
    expect(
      await receiveEmail(
        h.ports,
        inbound('ada@example.com', 'support@baton.local', { 'Message-ID': '<q6@example.com>' }),
        't1',
      ),
    ).toMatchObject({ status: 'rejected', reason: 'internal_error: D1 is down' });
  });
});
