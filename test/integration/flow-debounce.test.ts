import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, putWorkflow, waitForRun } from '../support/helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hook = (workflow: string, body: unknown, headers: Record<string, string> = {}) =>
  SELF.fetch(`http://baton.test/hooks/${workflow}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
const start = async (workflow: string, input: unknown, idempotencyKey?: string) => {
  const res = await api(`/workflows/${workflow}/runs`, {
    method: 'POST',
    body: JSON.stringify({ input, ...(idempotencyKey ? { idempotencyKey } : {}) }),
  });
  const body = (await res.json()) as { runId: string };
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body.runId;
};
const runsOf = async (workflow: string) =>
  ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: { id: string }[] }).runs;
const deliveries = async (workflow: string) =>
  (await (await api(`/deliveries?workflow=${workflow}`)).json()) as { status: string; runId: string | null }[];

/** A workflow whose output is its input `n`, with the given flow-control line. */
const workflow = (name: string, rule: string, input = 'n: { type: number, required: true }') => `name: ${name}
${rule}
triggers: [ { webhook: { signature: none, allow_unsigned: true, input: { n: "{{ body.n }}" } } } ]
inputs: { ${input} }
steps: [ { id: s, sleep: 1ms } ]
output: "{{ inputs }}"`;

beforeAll(async () => {
  await putWorkflow('deb-hook', workflow('deb-hook', 'debounce: { period: 2s }'));
  await putWorkflow('deb-cap', workflow('deb-cap', 'debounce: { period: 4s, max_wait: 5s }'));
  await putWorkflow(
    'deb-keyed',
    workflow(
      'deb-keyed',
      'debounce: { period: 1s, key: "{{ inputs.customer }}" }',
      'customer: { type: string }, n: { type: number }',
    ),
  );
  await putWorkflow(
    'deb-single',
    `name: deb-single
debounce: { period: 300ms }
singleton: { mode: skip }
triggers: [ { webhook: { signature: none, allow_unsigned: true, input: { n: "{{ body.n }}" } } } ]
inputs: { n: { type: number, required: true } }
steps: [ { id: s, sleep: 4s } ]`,
  );
  await putWorkflow('deb-parent', 'name: deb-parent\nsteps: [ { id: child, workflow: deb-keyed, input: { n: 7 } } ]');
});

describe('debounce', () => {
  it('5 webhook deliveries 300 ms apart make one run, started 2 s after the last, with the last input; every delivery lists that run', async () => {
    const ids: string[] = [];
    let lastAt = 0;
    for (let n = 1; n <= 5; n++) {
      if (n > 1) await sleep(300);
      lastAt = Date.now();
      const res = await hook('deb-hook', { n });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { runId: string }).runId);
    }
    expect(new Set(ids).size).toBe(1);
    // Held: the run is not recorded until its burst is released.
    expect(await runsOf('deb-hook')).toEqual([]);
    const run = await waitForRun(ids[0]!, 20_000);
    expect(run).toMatchObject({ status: 'completed', input: { n: 5 }, output: { n: 5 } });
    expect((run.trigger as unknown as { webhook: { body: unknown } }).webhook.body).toEqual({ n: 5 });
    const startedAt = Date.parse(run.startedAt!);
    expect(startedAt).toBeGreaterThanOrEqual(lastAt + 2_000);
    expect(startedAt).toBeLessThan(lastAt + 12_000);
    expect(await runsOf('deb-hook')).toHaveLength(1);
    const listed = await deliveries('deb-hook');
    expect(listed).toHaveLength(5);
    expect(listed.every((d) => d.status === 'accepted' && d.runId === ids[0])).toBe(true);
  });

  it('a trigger after the release opens a new burst; a repeated delivery joins nothing twice', async () => {
    const first = (await (await hook('deb-hook', { n: 6 })).json()) as { runId: string };
    const again = await hook('deb-hook', { n: 6 });
    expect(await again.json()).toEqual({ runId: first.runId, duplicate: true });
    const run = await waitForRun(first.runId, 20_000);
    expect(run).toMatchObject({ status: 'completed', input: { n: 6 } });
    expect(await runsOf('deb-hook')).toHaveLength(2);
    const statuses = (await deliveries('deb-hook')).slice(0, 2).map((d) => d.status);
    expect(statuses.sort()).toEqual(['accepted', 'duplicate']);
  });

  it('max_wait caps the delay after the first trigger', async () => {
    const firstAt = Date.now();
    const ids = [await start('deb-cap', { n: 1 })];
    await sleep(1_500);
    ids.push(await start('deb-cap', { n: 2 }));
    await sleep(1_500);
    const lastAt = Date.now();
    ids.push(await start('deb-cap', { n: 3 }));
    expect(new Set(ids).size).toBe(1);
    const run = await waitForRun(ids[0]!, 20_000);
    expect(run).toMatchObject({ status: 'completed', input: { n: 3 } });
    const startedAt = Date.parse(run.startedAt!);
    expect(startedAt).toBeGreaterThanOrEqual(firstAt + 5_000);
    // Without the cap it would start 4 s after the last trigger (about 7 s after the first).
    expect(startedAt).toBeLessThan(lastAt + 4_000);
  });

  it('a key separates bursts: each customer gets one run with its last input', async () => {
    const a1 = await start('deb-keyed', { customer: 'a', n: 1 });
    const b1 = await start('deb-keyed', { customer: 'b', n: 2 });
    const a2 = await start('deb-keyed', { customer: 'a', n: 3 });
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
    expect(await waitForRun(a1, 20_000)).toMatchObject({ status: 'completed', input: { customer: 'a', n: 3 } });
    expect(await waitForRun(b1, 20_000)).toMatchObject({ status: 'completed', input: { customer: 'b', n: 2 } });
    expect(await runsOf('deb-keyed')).toHaveLength(2);
  });

  it('an API start with the same idempotency key joins once and answers the same run', async () => {
    const one = await start('deb-keyed', { customer: 'c', n: 1 }, 'same-key');
    const two = await start('deb-keyed', { customer: 'c', n: 2 }, 'same-key');
    expect(two).toBe(one);
    expect(await waitForRun(one, 20_000)).toMatchObject({ status: 'completed', input: { customer: 'c', n: 1 } });
  });

  it("a sub-workflow step's start is not held: the parent gets its child's result at once", async () => {
    const run = await waitForRun(await start('deb-parent', {}), 20_000);
    expect(run).toMatchObject({ status: 'completed' });
    expect(run.steps.find((st) => st.id === 'child')?.output).toEqual({ n: 7 });
  });

  it('a held run released while a singleton (skip) run is active: its deliveries are recorded skipped with the active run', async () => {
    const first = (await (await hook('deb-single', { n: 1 })).json()) as { runId: string };
    let status = '';
    // Active: running, or waiting in its sleep step.
    for (
      const until = Date.now() + 15_000;
      !['running', 'waiting'].includes(status) && Date.now() < until;
      await sleep(100)
    ) {
      const res = await api(`/runs/${first.runId}?steps=false`);
      status = res.ok ? ((await res.json()) as { status: string }).status : '';
    }
    expect(['running', 'waiting']).toContain(status);
    const second = (await (await hook('deb-single', { n: 2 })).json()) as { runId: string };
    expect(second.runId).not.toBe(first.runId);
    const deadline = Date.now() + 15_000;
    let listed = await deliveries('deb-single');
    while (Date.now() < deadline && listed.find((d) => d.runId === second.runId)) {
      await sleep(200);
      listed = await deliveries('deb-single');
    }
    expect(listed).toHaveLength(2);
    expect(listed.map((d) => [d.status, d.runId]).sort()).toEqual([
      ['accepted', first.runId],
      ['skipped', first.runId],
    ]);
    expect((await api(`/runs/${second.runId}`)).status).toBe(404);
    expect(await waitForRun(first.runId, 20_000)).toMatchObject({ status: 'completed', input: { n: 1 } });
  });
});
