import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageDetail } from '../../src/schemas/api';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  startRun,
  stubOf,
  waitForRun,
} from '../support/helpers';

const FLOW = `name: progress-mail
triggers: [ { email: { alias: progress-mail } } ]
notify: { on: [started, step_succeeded, waiting, completed] }
steps:
  - { id: gather, agent: progress-tag, input: "{{ trigger.email.subject }}" }
  - id: sign
    approval: { assignees: [lead@example.com], message: "Send it?" }
  - { id: send, agent: progress-tag, input: "{{ gather.output }}" }
`;

type Recorded = MessageDetail & { raw: string };
async function toRequester(runId: string): Promise<Recorded[]> {
  const list = (await (await api(`/runs/${runId}/messages`)).json()) as Recorded[];
  return list.filter((m) => m.direction === 'outbound' && m.to === 'asker@example.com');
}

beforeAll(async () => {
  await putAgent('progress-tag', httpAgent('tag/P'));
  await putWorkflow('progress-mail', FLOW);
});

describe('progress emails (notify:)', () => {
  it('tell the requester in the thread: the plan at once, then what happened, at most one email a minute', async () => {
    const messageId = `<progress-${Date.now()}@example.com>`;
    const started = await receive(
      rawEmail(
        {
          From: 'asker@example.com',
          To: 'progress-mail@baton.local',
          Subject: 'Quarterly numbers',
          'Message-ID': messageId,
        },
        'Please gather them.',
      ),
      { from: 'asker@example.com', to: 'progress-mail@baton.local' },
    );
    const runId = started.runId!;
    await eventually(async () => {
      const run = (await (await api(`/runs/${runId}?steps=false`)).json()) as { status: string };
      return run.status === 'waiting' ? run : null;
    });
    // The first update went at once: the plan and its estimate.
    const [first] = await eventually(async () => {
      const list = await toRequester(runId);
      return list.length ? list : null;
    });
    const one = await PostalMime.parse(first!.raw);
    expect(one.inReplyTo).toBe(messageId);
    expect(one.subject).toBe('Re: Quarterly numbers');
    expect(one.text).toMatch(/^Started: gather → sign → send \(3 steps\), estimated about \d+ s\./);
    // `gather` succeeded and `sign` waits, within the minute: held, not sent.
    expect(await toRequester(runId)).toHaveLength(1);
    const held = await runInDurableObject(stubOf(runId), (_obj, state) =>
      JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'progress'").one().value),
    );
    expect(held.updates).toEqual([
      { event: 'step_succeeded', step: 'gather' },
      { event: 'waiting', step: 'sign', kind: 'approval' },
    ]);
    // The minute passes (moved back rather than waited for): the alarm sends them together.
    await runInDurableObject(stubOf(runId), (_obj, state) => {
      state.storage.sql.exec(
        "UPDATE kv SET value = ? WHERE key = 'progress'",
        JSON.stringify({ ...held, lastAt: Date.now() - 61_000 }),
      );
    });
    expect(await runDurableObjectAlarm(stubOf(runId))).toBe(true);
    const [second] = (
      await eventually(async () => {
        const list = await toRequester(runId);
        return list.length === 2 ? list : null;
      })
    ).filter((m) => m.id !== first!.id);
    const two = await PostalMime.parse(second!.raw);
    expect(two.inReplyTo).toBe(messageId);
    expect(two.text).toContain('✓ gather done.\n… sign waits for an approval.');
    expect(two.text).toContain('1 of 3 steps done');

    // Approved: the run completes; what happened within the minute is told by the result reply.
    const approval = await eventually(async () =>
      ((await (await api('/approvals?status=pending')).json()) as { id: string; runId: string }[]).find(
        (a) => a.runId === runId,
      ),
    );
    await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', by: 'lead@example.com' }),
    });
    expect((await waitForRun(runId)).status).toBe('completed');
    const result = await eventually(async () => (await toRequester(runId)).find((m) => m.id === `reply:${runId}`));
    expect((await PostalMime.parse(result.raw)).inReplyTo).toBe(messageId);
    await new Promise((r) => setTimeout(r, 300));
    // Besides the result (and the note of the decision Baton sends the requester), no third update.
    const ids = (await toRequester(runId)).map((m) => m.id);
    expect(ids.filter((id) => id.startsWith('progress:'))).toEqual([`progress:${runId}:0:1`, `progress:${runId}:0:2`]);
  });

  it('send nothing for a run not started by email', async () => {
    const runId = await startRun('progress-mail');
    await eventually(async () => {
      const run = (await (await api(`/runs/${runId}?steps=false`)).json()) as { status: string };
      return run.status === 'waiting' ? run : null;
    });
    const list = (await (await api(`/runs/${runId}/messages`)).json()) as MessageDetail[];
    expect(list.filter((m) => m.direction === 'outbound' && m.to !== 'lead@example.com')).toEqual([]);
  });
});
