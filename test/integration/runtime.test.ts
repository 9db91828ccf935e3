import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { RunState } from '../../src/core/engine';
import type { StepMessage } from '../../src/adapter/cloudflare/env';
import { api, eventually, httpAgent, putAgent, putWorkflow, startRun, stubOf, waitForRun } from '../support/helpers';

type Received = {
  url: string;
  headers: Record<string, string>;
  body: { runId: string; stepId: string; attempt: number };
};
const received = async (runId: string) =>
  ((await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[]).filter((r) => r.body.runId === runId);
const snapshot = async (runId: string) => (await stubOf(runId).snapshot()) as unknown as RunState | null;

beforeAll(async () => {
  await putAgent('flaky2', httpAgent('flaky/2'));
  await putAgent('slow', httpAgent('slow/3000'));
  await putAgent('tagger', httpAgent('tag/T'));
  await putAgent('throttled', httpAgent('status/429'));
});

describe('retries through the RunObject alarm', () => {
  it('a step that fails twice with 503 succeeds on attempt 3, each attempt with its own idempotency key', async () => {
    await putWorkflow(
      'retrying',
      'name: retrying\nsteps: [ { id: call, agent: flaky2, retry: { max_attempts: 3, initial_interval: 20ms } } ]',
    );
    const runId = await startRun('retrying');
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect((await received(runId)).map((r) => r.headers['idempotency-key'])).toEqual([
      `${runId}:call:1`,
      `${runId}:call:2`,
      `${runId}:call:3`,
    ]);
    const attempts = await env.DB.prepare('SELECT attempt, status FROM step_attempts WHERE run_id = ? ORDER BY attempt')
      .bind(runId)
      .all();
    expect(attempts.results).toEqual([
      { attempt: 1, status: 'failed' },
      { attempt: 2, status: 'failed' },
      { attempt: 3, status: 'succeeded' },
    ]);
  });

  it('an alarm that fires before a timer is due changes nothing; a due retry timer dispatches the next attempt', async () => {
    await putWorkflow(
      'slow-retry',
      'name: slow-retry\nsteps: [ { id: call, agent: throttled, retry: { max_attempts: 2, backoff: none, initial_interval: 1h } } ]',
    );
    const runId = await startRun('slow-retry');
    const stub = stubOf(runId);
    await eventually(async () => ((await snapshot(runId))?.steps.call?.attempts[0]?.status === 'failed' ? true : null));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await snapshot(runId))!.steps.call!.attempt).toBe(1);
    const timers = await runInDurableObject(stub, (_obj, state) => {
      const rows = state.storage.sql
        .exec<{ id: string }>('SELECT id FROM timers ORDER BY id')
        .toArray()
        .map((r) => r.id);
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE id = 'retry:call:1'");
      return rows;
    });
    expect(timers).toEqual(['retry:call:1']);
    await runDurableObjectAlarm(stub);
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'rate_limited', stepId: 'call' } });
    expect(run.steps[0]!.attempts).toBe(2);
  });

  it('an attempt that outlives its timeout fails with timeout and its late answer is ignored', async () => {
    await putWorkflow(
      'timing-out',
      'name: timing-out\nsteps: [ { id: call, agent: slow, timeout: 300ms, retry: { max_attempts: 1 } } ]',
    );
    const runId = await startRun('timing-out');
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'timeout', stepId: 'call' } });
    await stubOf(runId).report({ stepId: 'call', attempt: 1, ok: true, output: 'late answer', provider: 'http' });
    expect((await snapshot(runId))!).toMatchObject({
      status: 'failed',
      steps: { call: { status: 'failed', error: { code: 'timeout' } } },
    });
    expect((await snapshot(runId))!.steps.call!.output).not.toBe('late answer');
  });
});

describe('queue consumer', () => {
  it('acks a message for an attempt the run no longer waits for, without calling the agent', async () => {
    await putWorkflow('once', 'name: once\nsteps: [ { id: call, agent: tagger, input: x } ]');
    const runId = await startRun('once');
    await waitForRun(runId);
    expect(await received(runId)).toHaveLength(1);
    const batch = createMessageBatch<StepMessage>('steps', [
      { id: 'dup', timestamp: new Date(), attempts: 1, body: { runId, stepId: 'call', attempt: 1 } },
      { id: 'stale', timestamp: new Date(), attempts: 1, body: { runId, stepId: 'call', attempt: 7 } },
      { id: 'unknown', timestamp: new Date(), attempts: 1, body: { runId: 'run_missing', stepId: 'call', attempt: 1 } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch as MessageBatch<StepMessage>, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['dup', 'stale', 'unknown']);
    expect(result.retryMessages).toEqual([]);
    expect(await received(runId)).toHaveLength(1);
  });
});

describe('outbox', () => {
  it('a wake-up carries out what a crash left in the outbox (the D1 mirror is repaired)', async () => {
    await putWorkflow('mirror', 'name: mirror\nsteps: [ { id: call, agent: tagger, input: x } ]');
    const runId = await startRun('mirror');
    await waitForRun(runId);
    await eventually(async () =>
      (await env.DB.prepare('SELECT status FROM runs WHERE id = ?').bind(runId).first<{ status: string }>())?.status ===
      'completed'
        ? true
        : null,
    );
    // Simulate a crash after a commit (state, outbox entry and safety alarm) but before the mirror was written.
    await env.DB.prepare("UPDATE runs SET status = 'running', steps_done = 0 WHERE id = ?").bind(runId).run();
    await runInDurableObject(stubOf(runId), async (_obj, state) => {
      state.storage.sql.exec(
        'INSERT INTO outbox (entry) VALUES (?)',
        JSON.stringify({ type: 'Mirror', steps: ['call'] }),
      );
      await state.storage.setAlarm(Date.now() + 2_000);
    });
    expect(await runDurableObjectAlarm(stubOf(runId))).toBe(true);
    const row = await env.DB.prepare('SELECT status, steps_done FROM runs WHERE id = ?').bind(runId).first();
    expect(row).toEqual({ status: 'completed', steps_done: 1 });
  });
});

describe('circuit breaker per agent', () => {
  it('opens after repeated agent failures across runs; steps then fail fast with circuit_open; the state is readable', async () => {
    await putAgent('down', httpAgent('status/503'));
    await putWorkflow('uses-down', 'name: uses-down\nsteps: [ { id: call, agent: down, retry: { max_attempts: 1 } } ]');
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      runs.push(await startRun('uses-down'));
      expect((await waitForRun(runs.at(-1)!)).error).toMatchObject({ code: 'agent_error' });
    }
    // Outcomes reach the circuit in batches, every OUTCOME_BATCH_MS.
    const circuit = async () => ((await (await api('/agents/down')).json()) as { circuit: { state: string } }).circuit;
    expect(await eventually(async () => ((await circuit()).state === 'open' ? true : null), 2_000)).toBe(true);
    // The test server is shared with files running alongside: only this test's runs' calls count.
    const calls = async () =>
      ((await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as { body: { runId?: string } }[]).filter((r) =>
        runs.includes(r.body.runId ?? ''),
      ).length;
    expect(await calls()).toBe(5);
    runs.push(await startRun('uses-down'));
    const run = await waitForRun(runs.at(-1)!);
    expect(run.error).toMatchObject({ code: 'circuit_open', stepId: 'call' });
    expect(await calls()).toBe(5);
    expect(((await (await api('/agents/tagger')).json()) as { circuit: { state: string } }).circuit.state).toBe(
      'closed',
    );
  });
});

describe('run control over the API', () => {
  const post = (runId: string, action: string) => api(`/runs/${runId}/${action}`, { method: 'POST' });

  it('pause takes effect between steps; resume goes on; a finished run answers 409', async () => {
    await putWorkflow(
      'pausable',
      'name: pausable\nsteps:\n  - { id: first, agent: slow, input: a }\n  - { id: second, agent: tagger, input: b }',
    );
    const runId = await startRun('pausable');
    await eventually(async () => ((await snapshot(runId))?.steps.first?.attempts[0]?.startedAt ? true : null));
    const paused = await post(runId, 'pause');
    expect(paused.status).toBe(202);
    expect(await paused.json()).toEqual({ runId, status: 'paused' });
    await eventually(async () => ((await snapshot(runId))?.steps.first?.status === 'succeeded' ? true : null), 10_000);
    expect((await snapshot(runId))!).toMatchObject({ status: 'paused', steps: { second: { status: 'pending' } } });
    expect(await (await post(runId, 'resume')).json()).toMatchObject({ status: 'running' });
    expect((await waitForRun(runId)).status).toBe('completed');
    const again = await post(runId, 'pause');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'conflict' } });
  });

  it("cancel ends the run at once; the running attempt's late result is ignored", async () => {
    await putWorkflow(
      'cancellable',
      'name: cancellable\nsteps:\n  - { id: first, agent: slow, input: a }\n  - { id: second, agent: tagger, input: b }',
    );
    const runId = await startRun('cancellable');
    await eventually(async () => ((await snapshot(runId))?.steps.first?.attempts[0]?.startedAt ? true : null));
    expect(await (await post(runId, 'cancel')).json()).toEqual({ runId, status: 'cancelled' });
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(run.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    // The lane aborts the slow call, so its answer never comes by itself: deliver it late, as a queue consumer could.
    await stubOf(runId).report({ stepId: 'first', attempt: 1, ok: true, output: 'late answer', provider: 'http' });
    const after = (await snapshot(runId))!;
    expect(after.status).toBe('cancelled');
    expect(after.steps.first).toMatchObject({ status: 'cancelled' });
    expect(after.steps.first!.output).not.toBe('late answer');
    expect(after.steps.second).toMatchObject({ status: 'cancelled', attempt: 0 });
    expect((await received(runId)).map((r) => r.body.stepId)).toEqual(['first']);
    expect((await post(runId, 'cancel')).status).toBe(409);
    expect((await post('run_missing', 'cancel')).status).toBe(404);
  });

  it('restart re-runs a failed run from its failed step, in the same run; the succeeded step is not called again', async () => {
    await putAgent('flaky1', httpAgent('flaky/1'));
    await putWorkflow(
      'restartable',
      'name: restartable\nsteps:\n  - { id: first, agent: tagger, input: a }\n  - { id: second, agent: flaky1, input: "{{ first.output }}", retry: { max_attempts: 1 } }',
    );
    const runId = await startRun('restartable');
    expect(await waitForRun(runId)).toMatchObject({ status: 'failed', error: { stepId: 'second' } });
    expect((await post(runId, 'resume')).status).toBe(409);
    expect(await (await post(runId, 'restart')).json()).toEqual({ runId, status: 'running' });
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'completed', output: 'flaky: T: a', error: null });
    expect(run.steps.map((s) => [s.id, s.attempts])).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    expect((await received(runId)).map((r) => r.body.stepId)).toEqual(['first', 'second', 'second']);
    expect((await post(runId, 'restart')).status).toBe(409);
  });
});
