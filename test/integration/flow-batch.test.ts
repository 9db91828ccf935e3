import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../src/adapter/cloudflare/run/run-starter';
import { bufferObjectOf } from '../../src/adapter/cloudflare/trigger-buffer-port';
import { MAX_HELD_TRIGGER_BYTES } from '../../src/core/flow/buffer';
import { api, eventually, putWorkflow, rawEmail, receive, waitForRun } from '../support/helpers';

type BatchTrigger = {
  type: string;
  batch: { type: string; input: { n?: number }; webhook?: { body: { n: number } } }[];
};

const hook = (workflow: string, body: unknown) =>
  SELF.fetch(`http://baton.test/hooks/${workflow}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const runsOf = async (workflow: string) =>
  ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: { id: string }[] }).runs;

beforeAll(async () => {
  await putWorkflow(
    'batch-events',
    `name: batch-events
batch: { max_size: 10, timeout: 2s }
triggers: [ { webhook: { signature: none, allow_unsigned: true, input: { n: "{{ body.n }}" } } } ]
inputs: { n: { type: number, required: true } }
steps: [ { id: s, sleep: 1ms } ]
output: "{{ $count(trigger.batch) }}"`,
  );
  await putWorkflow(
    'batch-mail',
    `name: batch-mail
batch: { max_size: 2, timeout: 1h }
triggers: [ { email: { alias: batch-mail, allow: ["*@example.com"] } } ]
steps: [ { id: s, sleep: 1ms } ]
output: "{{ trigger.batch.email.subject }}"`,
  );
  await putWorkflow(
    'batch-durable',
    `name: batch-durable
batch: { max_size: 100, timeout: 2s }
inputs: { n: { type: number } }
steps: [ { id: s, sleep: 1ms } ]`,
  );
});

describe('batch', () => {
  it('25 webhook events with max_size 10 make 3 runs of 10, 10 and 5; each event is in exactly one; the 5 start after the timeout', async () => {
    const joined: string[] = [];
    let twentyFirstAt = 0;
    for (let n = 1; n <= 25; n++) {
      if (n === 21) twentyFirstAt = Date.now();
      const res = await hook('batch-events', { n });
      expect(res.status).toBe(202);
      joined.push(((await res.json()) as { runId: string }).runId);
    }
    const runIds = [...new Set(joined)];
    expect(runIds.map((id) => joined.filter((j) => j === id).length)).toEqual([10, 10, 5]);
    const runs = await Promise.all(runIds.map((id) => waitForRun(id, 20_000)));
    const batches = runs.map((r) => (r.trigger as BatchTrigger).batch);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(runs.map((r) => r.output)).toEqual([10, 10, 5]);
    // In arrival order, each event once; the run's inputs and trigger type are its first event's.
    expect(batches.flat().map((e) => e.input.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(batches.flat().map((e) => e.webhook!.body.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(runs.map((r) => [r.trigger.type, r.input])).toEqual([
      ['webhook', { n: 1 }],
      ['webhook', { n: 11 }],
      ['webhook', { n: 21 }],
    ]);
    expect(Date.parse(runs[2]!.startedAt!)).toBeGreaterThanOrEqual(twentyFirstAt + 2_000);
    expect(await runsOf('batch-events')).toHaveLength(3);
  });

  it('emails are batched too: each is accepted with the run it joined; a full batch starts at once', async () => {
    const mail = (id: string, subject: string) =>
      rawEmail(
        {
          From: 'ann@example.com',
          To: 'batch-mail@baton.local',
          Subject: subject,
          'Message-ID': `<${id}@example.com>`,
        },
        'hello',
      );
    const envelope = { from: 'ann@example.com', to: 'batch-mail@baton.local' };
    const first = await receive(mail('b1', 'one'), envelope);
    const again = await receive(mail('b1', 'one'), envelope);
    const second = await receive(mail('b2', 'two'), envelope);
    expect(first).toMatchObject({ status: 'accepted' });
    expect(again.status).toBe('duplicate');
    expect(second).toMatchObject({ status: 'accepted', runId: first.runId });
    expect(await waitForRun(first.runId!, 20_000)).toMatchObject({ status: 'completed', output: ['one', 'two'] });
  });

  it('refuses a trigger bigger than a buffer holds, naming the limit', async () => {
    const res = await api('/workflows/batch-durable/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { n: 1, pad: 'x'.repeat(MAX_HELD_TRIGGER_BYTES) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      String(MAX_HELD_TRIGGER_BYTES),
    );
  });
});

describe('batch durability', () => {
  it("a held batch survives the object's restart in its storage and alarm, and is released exactly once", async () => {
    const ids = [];
    for (let n = 1; n <= 3; n++) {
      const res = await api('/workflows/batch-durable/runs', {
        method: 'POST',
        body: JSON.stringify({ input: { n } }),
      });
      ids.push(((await res.json()) as { runId: string }).runId);
    }
    expect(new Set(ids).size).toBe(1);
    const name = { tenantId: 'default', workflow: 'batch-durable', rule: 'batch' as const, key: '' };
    // The object dies (its memory is gone); a fresh stub reaches a new instance over the same storage.
    await Promise.resolve(
      runInDurableObject(bufferObjectOf(env, name), (_, state) => state.abort('simulated crash')),
    ).catch(() => undefined);
    const fresh = bufferObjectOf(env, name);
    expect(await fresh.status()).toEqual([expect.objectContaining({ runId: ids[0], size: 3, released: false })]);
    const alarm = await runInDurableObject(fresh, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe((await fresh.status())[0]!.releaseAt);
    expect(await runsOf('batch-durable')).toHaveLength(0);
    // The alarm fires at the timeout, in the new instance: one run with the three.
    const run = await waitForRun(ids[0]!, 20_000);
    expect((run.trigger as BatchTrigger).batch.map((e) => e.input.n)).toEqual([1, 2, 3]);
    expect(await fresh.status()).toEqual([]);
    expect(await runDurableObjectAlarm(fresh)).toBe(false);
    // A repeated release (the object died after starting the run, before forgetting it) starts nothing new.
    const repeat = await startRun(env, 'default', {
      workflow: 'batch-durable',
      input: { n: 1 },
      trigger: run.trigger as { type: 'api' },
      runId: ids[0],
      released: true,
    });
    expect(repeat).toMatchObject({ runId: ids[0], created: false });
    expect(await runsOf('batch-durable')).toHaveLength(1);
  });

  it('a release the workflow can never take (it does not exist) is dropped, not retried forever', async () => {
    const name = { tenantId: 'default', workflow: 'no-such-workflow', rule: 'batch' as const, key: '' };
    const buffer = bufferObjectOf(env, name);
    const held = await buffer.hold({
      ...name,
      version: 1,
      trigger: { type: 'api' },
      input: {},
      priority: 5,
      spec: { max_size: 1, timeout: '1h' },
    });
    expect(held).toMatchObject({ size: 1 });
    await eventually(async () => ((await buffer.status()).length === 0 ? true : undefined));
    expect(await runDurableObjectAlarm(buffer)).toBe(false);
  });
});
