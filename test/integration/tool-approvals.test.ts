import { env } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  startRun,
  waitForRun,
  type RecordedMessage,
} from '../support/helpers';

interface Approval {
  id: string;
  runId: string;
  stepId: string;
  status: string;
  options: string[];
  message: string;
}

async function script(name: string, turns: unknown[]): Promise<void> {
  const res = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ turns }),
  });
  expect(res.ok).toBe(true);
}
const pending = (runId: string) =>
  eventually(async () => {
    const list = (await (await api('/approvals?status=pending')).json()) as Approval[];
    return list.find((a) => a.runId === runId);
  });
const approvalEmail = async (runId: string, approvalId: string) => {
  const recorded = await eventually(async () => {
    const list = (await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[];
    return list.find((m) => m.direction === 'outbound' && m.raw.includes(`X-Baton-Approval: ${approvalId}`));
  });
  return PostalMime.parse(recorded.raw);
};
const replyTo = async (runId: string, mail: Awaited<ReturnType<typeof approvalEmail>>, text: string) =>
  receive(
    rawEmail(
      {
        From: 'Lead <lead@example.com>',
        To: 'baton@baton.local',
        Subject: `Re: ${mail.subject}`,
        'Message-ID': `<reply-${runId}-${Math.random()}@example.com>`,
        'In-Reply-To': mail.messageId!,
        References: mail.messageId!,
        'Content-Type': 'text/plain; charset=utf-8',
      },
      `${text}\n\nOn Tue, 1 Dec 2026, Baton wrote:\n> Approval needed`,
    ),
    { from: 'lead@example.com', to: 'baton@baton.local' },
  );

describe('needs_approval on a tool', () => {
  beforeAll(async () => {
    await script('gated', [
      { tool_calls: [{ name: 'save_report', arguments: { text: 'the report' } }] },
      { content: 'finished' },
    ]);
    await putAgent('gated', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model: 'gated', apiKeySecret: 'LLM_KEY' },
      tools: [
        {
          http: {
            name: 'save_report',
            description: 'Saves the report',
            parameters: { type: 'object', properties: { text: { type: 'string' } } },
            method: 'POST',
            url: `${env.TEST_AGENT_URL}/save/{{ $string(args.text) = 'the report' ? 'gated-report' : 'other' }}`,
            body: '{{ args.text }}',
          },
          needs_approval: { assignees: ['lead@example.com'], message: 'Save "{{ args.text }}"?' },
        },
      ],
    });
    await putWorkflow('gated', 'name: gated\nsteps: [ { id: work, agent: gated, input: "write it" } ]');
  });

  it('the approval email arrives; a reply "reject: not this one" becomes the tool result and the loop answers', async () => {
    const runId = await startRun('gated');
    const approval = await pending(runId);
    expect(approval).toMatchObject({ stepId: 'work', options: ['approve', 'reject'], message: 'Save "the report"?' });
    expect(((await (await api(`/runs/${runId}?steps=false`)).json()) as { status: string }).status).toBe('waiting');
    const mail = await approvalEmail(runId, approval.id);
    expect(mail.subject).toBe('Approval needed: gated / work calls save_report');
    expect(await replyTo(runId, mail, 'reject: not this one')).toMatchObject({ status: 'accepted', runId });
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.output).toBe('finished');
    const call = run.steps[0]!.turns![0]!.toolCalls[0]!;
    expect(call).toMatchObject({
      status: 'rejected',
      output: 'the call was rejected by lead@example.com: not this one',
      approval: { status: 'rejected', decidedBy: 'lead@example.com', comment: 'not this one' },
    });
    const saved = (await (await fetch(`${env.TEST_AGENT_URL}/saved`)).json()) as Record<string, string>;
    expect(saved['gated-report']).toBeUndefined();
    const log = (await (await fetch(`${env.TEST_AGENT_URL}/model/log/gated`)).json()) as { messages: unknown[] }[];
    expect(JSON.stringify(log.at(-1)!.messages)).toContain('rejected by lead@example.com: not this one');
  });

  it('"approve" runs the tool', async () => {
    const runId = await startRun('gated');
    const approval = await pending(runId);
    const mail = await approvalEmail(runId, approval.id);
    await replyTo(runId, mail, 'approve');
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps[0]!.turns![0]!.toolCalls[0]!).toMatchObject({
      status: 'succeeded',
      approval: { status: 'approved' },
    });
    const saved = (await (await fetch(`${env.TEST_AGENT_URL}/saved`)).json()) as Record<string, string>;
    expect(saved['gated-report']).toBe('the report');
    expect(await (await api(`/approvals/${encodeURIComponent(approval.id)}`)).json()).toMatchObject({
      status: 'approved',
    });
  });
});
