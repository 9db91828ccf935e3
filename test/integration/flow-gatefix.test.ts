import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { insertRun } from '../../src/adapter/cloudflare/d1/runs';
import { sweepQueuedRuns } from '../../src/adapter/cloudflare/triggers/sweep-runs';
import { api, eventually, putWorkflow, waitForRun } from '../support/helpers';

type Held = { open: number; max: number; calls: number };
const held = async (group: string) => (await (await fetch(`${env.TEST_AGENT_URL}/held/${group}`)).json()) as Held;
const gate = (object: string) => env.FLOW_GATES.get(env.FLOW_GATES.idFromName(object));
const step = (path: string) => `steps:
  - id: call
    http:
      method: POST
      url: "${env.TEST_AGENT_URL}/agents/${path}"
      body: { input: "x" }
`;
type Answer = { runId: string; queuedFor?: string; skipped?: boolean };
async function start(workflow: string, body: Record<string, unknown> = {}): Promise<Answer> {
  return (await (
    await api(`/workflows/${workflow}/runs`, { method: 'POST', body: JSON.stringify(body) })
  ).json()) as Answer;
}
const headOf = async (runId: string) =>
  (await (await api(`/runs/${runId}?steps=false`)).json()) as { status: string; error?: { code: string } };

describe('singleton: a repeated start (same idempotency key) answers the first run and touches no gate', () => {
  it('mode cancel: the repeat does not cancel the first run, which keeps the singleton', async () => {
    await putWorkflow('fix-single-c', `name: fix-single-c\nsingleton: { mode: cancel }\n${step('slow/1500')}`);
    const first = await start('fix-single-c', { idempotencyKey: 'k1' });
    const again = await start('fix-single-c', { idempotencyKey: 'k1' });
    expect(again.runId).toBe(first.runId);
    expect(await gate('default:fix-single-c:singleton:').status()).toMatchObject({ holders: [first.runId] });
    expect((await waitForRun(first.runId, 20_000)).status).toBe('completed');
  }, 30_000);

  it('mode skip: the repeat answers the first run, not skipped', async () => {
    await putWorkflow('fix-single-s', `name: fix-single-s\nsingleton: { mode: skip }\n${step('slow/1500')}`);
    const first = await start('fix-single-s', { idempotencyKey: 'k2' });
    const again = await start('fix-single-s', { idempotencyKey: 'k2' });
    expect(again).toMatchObject({ runId: first.runId });
    expect(again.skipped).toBeUndefined();
    const other = await start('fix-single-s', { idempotencyKey: 'k3' });
    expect(other).toEqual({ skipped: true, runId: first.runId });
    expect((await api(`/runs?workflow=fix-single-s`).then((r) => r.json())) as { runs: unknown[] }).toMatchObject({
      runs: [{ id: first.runId }],
    });
    expect((await waitForRun(first.runId, 20_000)).status).toBe('completed');
  }, 30_000);
});

describe('cancel and pause of a run that waits in a gate', () => {
  it('concurrency: pause is refused (409); cancel ends it, it leaves the waiting list and never starts', async () => {
    await putWorkflow(
      'fix-cancel-c',
      `name: fix-cancel-c\nconcurrency: { limit: 1 }\n${step('held/fix-cancel-c/1500')}`,
    );
    const a = await start('fix-cancel-c');
    const b = await start('fix-cancel-c');
    expect(b.queuedFor).toBe('concurrency');
    expect((await api(`/runs/${b.runId}/pause`, { method: 'POST' })).status).toBe(409);
    const cancel = await api(`/runs/${b.runId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toEqual({ runId: b.runId, status: 'cancelled' });
    expect((await gate('default:fix-cancel-c:concurrency[0]:').status()).waiting).toEqual([]);
    expect((await waitForRun(a.runId, 20_000)).status).toBe('completed');
    await eventually(async () =>
      (await gate('default:fix-cancel-c:concurrency[0]:').status()).holders.length === 0 ? true : undefined,
    );
    expect(await headOf(b.runId)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect((await held('fix-cancel-c')).calls).toBe(1);
  }, 30_000);

  it('throttle: cancel takes the run off the throttle waiting list', async () => {
    await putWorkflow('fix-cancel-t', `name: fix-cancel-t\nthrottle: { limit: 1, period: 30s }\n${step('slow/10')}`);
    await start('fix-cancel-t');
    const y = await start('fix-cancel-t');
    expect(y.queuedFor).toBe('throttle');
    expect((await gate('default:fix-cancel-t:throttle:').status()).waiting).toEqual([y.runId]);
    expect(await (await api(`/runs/${y.runId}/cancel`, { method: 'POST' })).json()).toMatchObject({
      status: 'cancelled',
    });
    expect((await gate('default:fix-cancel-t:throttle:').status()).waiting).toEqual([]);
    expect((await headOf(y.runId)).status).toBe('cancelled');
  });
});

describe('restart of a run with holding rules', () => {
  it('is refused (409) while the concurrency places are taken, and takes its place again once free', async () => {
    await putWorkflow('fix-restart', `name: fix-restart\nconcurrency: { limit: 1 }\n${step('held/fix-restart/2000')}`);
    const object = 'default:fix-restart:concurrency[0]:';
    const a = await start('fix-restart');
    await eventually(async () => ((await held('fix-restart')).calls === 1 ? true : undefined));
    await api(`/runs/${a.runId}/cancel`, { method: 'POST' });
    await waitForRun(a.runId);
    await eventually(async () => ((await gate(object).status()).holders.length === 0 ? true : undefined));
    const b = await start('fix-restart');
    await eventually(async () => ((await held('fix-restart')).calls === 2 ? true : undefined));
    const refused = await api(`/runs/${a.runId}/restart`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await gate(object).status()).holders).toEqual([b.runId]);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('concurrency');
    expect((await waitForRun(b.runId, 20_000)).status).toBe('completed');
    await eventually(async () => ((await gate(object).status()).holders.length === 0 ? true : undefined));
    expect((await api(`/runs/${a.runId}/restart`, { method: 'POST' })).status).toBe(202);
    expect((await gate(object).status()).holders).toEqual([a.runId]);
    expect((await waitForRun(a.runId, 20_000)).status).toBe('completed');
    expect((await held('fix-restart')).calls).toBe(3);
    await eventually(async () => ((await gate(object).status()).holders.length === 0 ? true : undefined));
  }, 40_000);
});

describe('the start sweeper repairs gated runs from their record', () => {
  const record = async (workflow: string, version: number, id: string, input: unknown, key: string) => {
    const object = `default:${workflow}:concurrency[0]:${key}`;
    await insertRun(database(env.DB), 'default', {
      id,
      workflowName: workflow,
      version,
      triggerType: 'api',
      trigger: { type: 'api' },
      input,
      idempotencyKey: null,
      stepsTotal: 0,
      createdAt: new Date(Date.now() - 120_000).toISOString(),
      queueReason: 'concurrency',
      flow: [{ rule: 'concurrency', index: 0, key, object }],
    });
    return object;
  };

  it('offers a lost run to the gate its record names, not to a key rendered again', async () => {
    const yaml = `name: fix-repair\ninputs:\n  customer: { type: string }\nconcurrency: { limit: 1, key: "{{ inputs.customer }}" }\n${step('slow/10')}`;
    const version = await putWorkflow('fix-repair', yaml);
    const object = await record('fix-repair', version, 'run_fixrepair1', { customer: 'now-b' }, 'was-a');
    const occupant = { rule: 'concurrency' as const, object, key: 'was-a', index: 0, limit: 1 };
    await gate(object).offer(
      occupant,
      { tenantId: 'default', runId: 'run_occupant', priority: 5, enqueuedAt: 0, gates: [occupant] },
      0,
    );
    await sweepQueuedRuns(env, Date.now());
    expect((await gate(object).status()).waiting).toEqual(['run_fixrepair1']);
    expect((await gate('default:fix-repair:concurrency[0]:now-b').status()).holders).toEqual([]);
    await gate(object).release('run_occupant');
    expect((await waitForRun('run_fixrepair1', 20_000)).status).toBe('completed');
  }, 30_000);

  it('fails a gated run whose workflow version is gone (start_failed) and gives back its place', async () => {
    await putWorkflow('fix-gone', `name: fix-gone\nconcurrency: { limit: 1 }\n${step('slow/10')}`);
    const object = await record('fix-gone', 999, 'run_fixgone1', {}, '');
    const g = { rule: 'concurrency' as const, object, key: '', index: 0, limit: 1 };
    await gate(object).offer(
      g,
      { tenantId: 'default', runId: 'run_fixgone1', priority: 5, enqueuedAt: 0, gates: [g] },
      0,
    );
    expect((await gate(object).status()).holders).toEqual(['run_fixgone1']);
    await sweepQueuedRuns(env, Date.now());
    expect(await headOf('run_fixgone1')).toMatchObject({ status: 'failed', error: { code: 'start_failed' } });
    expect((await gate(object).status()).holders).toEqual([]);
  });

  it('a run its gate lets through whose workflow version is gone is failed (start_failed), not retried forever', async () => {
    await putWorkflow('fix-gone2', `name: fix-gone2\nconcurrency: { limit: 1 }\n${step('slow/10')}`);
    const object = await record('fix-gone2', 999, 'run_fixgone2', {}, '');
    const g = { rule: 'concurrency' as const, object, key: '', index: 0, limit: 1 };
    const run = (runId: string) => ({ tenantId: 'default', runId, priority: 5, enqueuedAt: 0, gates: [g] });
    expect(await gate(object).offer(g, run('run_occupant2'), 0)).toEqual({ granted: true });
    expect(await gate(object).offer(g, run('run_fixgone2'), 0)).toMatchObject({ queued: true });
    await gate(object).release('run_occupant2');
    const failed = await eventually(async () => {
      const head = await headOf('run_fixgone2');
      return head.status === 'failed' ? head : undefined;
    });
    expect(failed.error?.code).toBe('start_failed');
    await eventually(async () => ((await gate(object).status()).holders.length === 0 ? true : undefined));
  });
});
