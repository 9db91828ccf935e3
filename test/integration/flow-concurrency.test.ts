import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sweepQueuedRuns } from '../../src/adapter/cloudflare/triggers/sweep-runs';
import { RunHead } from '../../src/schemas/api';
import { api, checked, eventually, putWorkflow, waitForRun } from '../support/helpers';

type Held = { open: number; max: number; calls: number; order: unknown[] };

/** What the test agent measured of a group of calls: most open at once, how many, in which order. */
async function held(group: string): Promise<Held> {
  return (await (await fetch(`${env.TEST_AGENT_URL}/held/${group}`)).json()) as Held;
}

/** Starts a run over the API. @returns its id and the gate it waits for, if any. */
async function start(workflow: string, input: Record<string, unknown>, priority?: number) {
  const res = await api(`/workflows/${workflow}/runs`, {
    method: 'POST',
    body: JSON.stringify({ input, ...(priority ? { priority } : {}) }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { runId: string; queuedFor?: string };
}

const gate = (object: string) => env.FLOW_GATES.get(env.FLOW_GATES.idFromName(object));

/** A step that calls the test agent's held endpoint, in a group named by a template. */
const heldStep = (id: string, group: string, ms: number) => `  - id: ${id}
    http:
      method: POST
      url: "${env.TEST_AGENT_URL}/agents/held/${group}/${ms}"
      body: { input: "{{ inputs.label }}" }
`;

describe('concurrency: runs beyond the limit wait durably in order, then start', () => {
  it('limit 2 per customer: a never has more than 2 calls open, b starts at once, all 8 complete', async () => {
    await putWorkflow(
      'flow-cust',
      `name: flow-cust
inputs:
  customer: { type: string }
  label: { type: string }
concurrency: { limit: 2, key: "{{ inputs.customer }}" }
steps:
${heldStep('call', 'cust-{{ inputs.customer }}', 1000)}`,
    );
    const a = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => start('flow-cust', { customer: 'a', label: `a${i}` })));
    const b = await Promise.all([0, 1].map((i) => start('flow-cust', { customer: 'b', label: `b${i}` })));
    // The third run of a and after wait for a slot; b's runs are under their own limit.
    expect(a.filter((r) => r.queuedFor === 'concurrency')).toHaveLength(4);
    expect(b.map((r) => r.queuedFor ?? null)).toEqual([null, null]);
    const waiter = a.find((r) => r.queuedFor)!;
    const queued = checked<RunHead>(RunHead, await (await api(`/runs/${waiter.runId}?steps=false`)).json(), 'run');
    expect(queued).toMatchObject({ status: 'queued', queuedFor: 'concurrency' });
    // The waiters' places, as the run view shows them (those still waiting: some may have started).
    const views = await Promise.all(
      a
        .filter((r) => r.queuedFor)
        .map(async (r) => (await (await api(`/runs/${r.runId}`)).json()) as { queuePosition?: number }),
    );
    const places = views.flatMap((v) => (v.queuePosition === undefined ? [] : [v.queuePosition]));
    expect(places.length).toBeGreaterThanOrEqual(2);
    expect(new Set(places).size).toBe(places.length);
    for (const p of places) expect(p).toBeGreaterThanOrEqual(1);
    const runs = await Promise.all([...a, ...b].map((r) => waitForRun(r.runId, 30_000)));
    expect(runs.map((r) => r.status)).toEqual(Array(8).fill('completed'));
    const seenA = await held('cust-a');
    expect(seenA.calls).toBe(6);
    expect(seenA.max).toBe(2);
    expect((await held('cust-b')).calls).toBe(2);
    // Every run gave its place back when it ended.
    const object = gate('default:flow-cust:concurrency[0]:a');
    await eventually(async () => ((await object.status()).holders.length === 0 ? true : undefined));
    expect(await object.status()).toEqual({ holders: [], waiting: [] });
  });

  it('a list: 2 per customer and 3 in total, both hold', async () => {
    await putWorkflow(
      'flow-list',
      `name: flow-list
inputs:
  customer: { type: string }
  label: { type: string }
concurrency:
  - { limit: 2, key: "{{ inputs.customer }}" }
  - { limit: 3 }
steps:
${heldStep('mine', 'list-{{ inputs.customer }}', 400)}${heldStep('all', 'list-all', 400)}`,
    );
    // a's four first: with the total alone, three of them would run at once.
    const startAll = (customer: string) =>
      Promise.all([0, 1, 2, 3].map((i) => start('flow-list', { customer, label: `${customer}${i}` })));
    const answers = [...(await startAll('a')), ...(await startAll('b'))];
    // At most 3 start at once: the others wait (in either gate).
    expect(answers.filter((r) => r.queuedFor === 'concurrency').length).toBeGreaterThanOrEqual(5);
    const ids = answers.map((r) => r.runId);
    const runs = await Promise.all(ids.map((id) => waitForRun(id, 30_000)));
    expect(runs.map((r) => r.status)).toEqual(Array(8).fill('completed'));
    expect((await held('list-a')).max).toBeLessThanOrEqual(2);
    expect((await held('list-b')).max).toBeLessThanOrEqual(2);
    const all = await held('list-all');
    expect(all.calls).toBe(8);
    expect(all.max).toBeLessThanOrEqual(3);
    expect(all.max).toBeGreaterThanOrEqual(2);
    expect((await held('list-a')).max + (await held('list-b')).max).toBeGreaterThanOrEqual(2);
  });

  it('priority: a queued run of priority 9 starts before older ones of priority 1', async () => {
    await putWorkflow(
      'flow-prio',
      `name: flow-prio
inputs:
  label: { type: string }
concurrency: { limit: 1 }
steps:
${heldStep('call', 'flow-prio', 1000)}`,
    );
    const first = await start('flow-prio', { label: 'first' });
    await eventually(async () => ((await held('flow-prio')).calls === 1 ? true : undefined));
    const low = [await start('flow-prio', { label: 'low1' }, 1), await start('flow-prio', { label: 'low2' }, 1)];
    const high = await start('flow-prio', { label: 'high' }, 9);
    expect(high.queuedFor).toBe('concurrency');
    for (const r of [first, ...low, high]) expect((await waitForRun(r.runId, 30_000)).status).toBe('completed');
    expect((await held('flow-prio')).order).toEqual(['first', 'high', 'low1', 'low2']);
  });

  it('the start sweeper repairs a run whose offer to its gate was lost', async () => {
    await putWorkflow(
      'flow-lost',
      `name: flow-lost
inputs:
  label: { type: string }
concurrency: { limit: 1 }
steps:
${heldStep('call', 'lost', 1000)}`,
    );
    const holder = await start('flow-lost', { label: 'holder' });
    const lost = await start('flow-lost', { label: 'lost' });
    expect(lost.queuedFor).toBe('concurrency');
    // A crash between the D1 insert and the gate: the gate never heard of the run.
    await runInDurableObject(gate('default:flow-lost:concurrency[0]:'), (_, state) => {
      state.storage.sql.exec('DELETE FROM waiting');
    });
    expect((await waitForRun(holder.runId)).status).toBe('completed');
    expect(await gate('default:flow-lost:concurrency[0]:').status()).toEqual({ holders: [], waiting: [] });
    // Young queued runs of a gate are left alone; an old one is offered again, and starts.
    await sweepQueuedRuns(env, Date.now());
    expect((await (await api(`/runs/${lost.runId}?steps=false`)).json()) as { status: string }).toMatchObject({
      status: 'queued',
    });
    await sweepQueuedRuns(env, Date.now() + 60_000);
    expect((await waitForRun(lost.runId)).status).toBe('completed');
  });

  it('a holder whose release never came is taken back once its run is found ended (or unrecorded)', async () => {
    const object = gate('default:flow-leak:concurrency[0]:');
    const step = {
      rule: 'concurrency' as const,
      object: 'default:flow-leak:concurrency[0]:',
      key: '',
      index: 0,
      limit: 1,
    };
    const offer = (runId: string) =>
      object.offer(step, { tenantId: 'default', runId, priority: 5, enqueuedAt: Date.now(), gates: [step] }, 0);
    expect(await offer('ghost-1')).toEqual({ granted: true });
    expect(await offer('ghost-1')).toEqual({ granted: true }); // idempotent by run id
    expect(await offer('ghost-2')).toEqual({ queued: true, position: 1 });
    expect(await offer('ghost-2')).toEqual({ queued: true, position: 1 });
    // ghost-1 never released its slot; a minute on, the check finds no such run and takes it back.
    await runInDurableObject(object, (_, state) => {
      state.storage.sql.exec('UPDATE holders SET since = 0, checked_at = 0');
    });
    await runDurableObjectAlarm(object);
    const status = await object.status();
    expect(status.holders).toEqual(['ghost-2']);
    expect(status.waiting).toEqual([]);
  });
});
