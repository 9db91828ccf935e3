import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/engine';
import { LANE_WATCH_MS } from '../../src/adapter/cloudflare/run/run-object';
import { callPeaks } from '../../src/adapter/cloudflare/call-limiter';
import { api, eventually, httpAgent, putAgent, putWorkflow, startRun, stubOf, waitForRun } from '../support/helpers';

const snapshot = async (runId: string) => (await stubOf(runId).snapshot()) as unknown as RunState;
const running = (runId: string, stepId: string) =>
  eventually(async () => ((await snapshot(runId)).steps[stepId]?.attempts[0]?.startedAt ? true : null));
type Received = { headers: Record<string, string>; body: { runId: string; stepId: string } };
const received = async (runId: string) =>
  ((await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[]).filter((r) => r.body.runId === runId);
/** Claimed in the decision that dispatched it: the lane took it, no Queue message was sent. */
const tookLane = (state: RunState, stepId: string) =>
  state.steps[stepId]!.attempts[0]!.startedAt === state.steps[stepId]!.attempts[0]!.dispatchedAt;

beforeAll(async () => {
  await putAgent('slow', httpAgent('slow/3000'));
  await putAgent('tagger', httpAgent('tag/T'));
  await putAgent('slow-lost', httpAgent('slow/3000'));
});

describe("a run's own lane", () => {
  it('executes a chain inside the RunObject: each step claimed as it is dispatched, called once with its idempotency key', async () => {
    await putWorkflow(
      'lane-chain',
      'name: lane-chain\nsteps:\n  - { id: first, agent: tagger, input: a }\n  - { id: second, agent: tagger, input: "{{ first.output }}" }\n  - { id: third, agent: tagger, input: "{{ second.output }}!" }',
    );
    const runId = await startRun('lane-chain');
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'completed', output: 'T: T: T: a!' });
    const state = await snapshot(runId);
    expect(['first', 'second', 'third'].map((id) => tookLane(state, id))).toEqual([true, true, true]);
    const calls = await received(runId);
    expect(calls.map((r) => r.headers['idempotency-key'])).toEqual([
      `${runId}:first:1`,
      `${runId}:second:1`,
      `${runId}:third:1`,
    ]);
    // A (duplicate) Queue delivery of a lane attempt finds it claimed and calls nothing.
    expect(await stubOf(runId).claim('second', 1)).toBeNull();
  });

  it('while the lane is busy, the other ready steps go to executor invocations and run meanwhile', async () => {
    const executorsBefore = [...callPeaks().keys()].filter((k) => k.startsWith('executor:')).length;
    await putWorkflow(
      'lane-busy',
      'name: lane-busy\nsteps:\n  - id: both\n    parallel:\n      - { id: long, agent: slow, input: a }\n      - { id: quick, agent: tagger, input: b }',
    );
    const runId = await startRun('lane-busy');
    const state = await eventually(async () => {
      const s = await snapshot(runId);
      return s.steps.quick?.status === 'succeeded' ? s : null;
    });
    expect(state.steps.long!.status).toBe('running');
    expect(tookLane(state, 'long')).toBe(true);
    // Claimed in the decision that dispatched it too (no Queue hop), and executed by an AttemptExecutor.
    expect(tookLane(state, 'quick')).toBe(true);
    expect([...callPeaks().keys()].filter((k) => k.startsWith('executor:')).length).toBeGreaterThan(executorsBefore);
    expect((await waitForRun(runId)).status).toBe('completed');
  });

  it("a run is not held up by another run's long step", async () => {
    await putWorkflow('lane-long', 'name: lane-long\nsteps: [ { id: wait, agent: slow, input: a } ]');
    await putWorkflow('lane-short', 'name: lane-short\nsteps: [ { id: tag, agent: tagger, input: b } ]');
    const long = await startRun('lane-long');
    await running(long, 'wait');
    const short = await waitForRun(await startRun('lane-short'));
    expect(short.status).toBe('completed');
    expect((await snapshot(long)).status).toBe('running');
    expect((await waitForRun(long)).status).toBe('completed');
  });
});

describe('cancel and the lane', () => {
  it("cancelling a run aborts the lane's call in flight: a restart's attempt takes the lane at once", async () => {
    await putWorkflow('lane-cancel', 'name: lane-cancel\nsteps: [ { id: wait, agent: slow, input: a } ]');
    const runId = await startRun('lane-cancel');
    await running(runId, 'wait');
    expect((await api(`/runs/${runId}/cancel`, { method: 'POST' })).status).toBe(202);
    expect((await snapshot(runId)).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100)); // the aborted call unwinds
    expect((await api(`/runs/${runId}/restart`, { method: 'POST' })).status).toBe(202);
    const state = await snapshot(runId);
    // Had the 3 s call still held the lane, attempt 2 would have gone through the Queue.
    expect(state.steps.wait!.attempts.map((a) => a.status)).toEqual(['cancelled', 'running']);
    expect(state.steps.wait!.attempts[1]!.startedAt).toBe(state.steps.wait!.attempts[1]!.dispatchedAt);
    await stubOf(runId).control('cancel');
  });
});

describe('reports that arrive together are settled together', () => {
  it('three branches reported at once all count, the step after the block runs once, and late answers are ignored', async () => {
    await putWorkflow(
      'fan3',
      'name: fan3\nsteps:\n  - id: all\n    parallel:\n      - { id: a, agent: slow, input: a }\n      - { id: b, agent: slow, input: b }\n      - { id: c, agent: slow, input: c }\n  - { id: after, agent: tagger, input: "{{ a.output }}{{ b.output }}{{ c.output }}" }',
    );
    const runId = await startRun('fan3');
    for (const id of ['a', 'b', 'c']) await running(runId, id);
    // The test plays the consumers: it reports every branch before the real (slow) calls answer.
    await stubOf(runId).reportMany(
      ['a', 'b', 'c'].map((id) => ({ stepId: id, attempt: 1, ok: true, output: id.toUpperCase() })),
    );
    const state = await snapshot(runId);
    expect(['a', 'b', 'c'].map((id) => state.steps[id]!.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(state.steps.all!.status).toBe('succeeded');
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'completed', output: 'T: ABC' });
    expect(run.steps.find((s) => s.id === 'a')).toMatchObject({ output: 'A', attempts: 1 });
    expect((await received(runId)).filter((r) => r.body.stepId === 'after')).toHaveLength(1);
  });
});

describe('claims', () => {
  it('claimMany claims each open attempt once: duplicates, stale attempts and unknown steps get null', async () => {
    await putWorkflow('claims', 'name: claims\nsteps: [ { id: first, agent: slow, input: a } ]');
    const runId = await startRun('claims');
    await running(runId, 'first');
    const claims = await stubOf(runId).claimMany([
      { stepId: 'first', attempt: 1 },
      { stepId: 'first', attempt: 2 },
      { stepId: 'nope', attempt: 1 },
    ]);
    expect(claims).toEqual([null, null, null]); // the lane claimed attempt 1 already
  });
});

describe('a lane attempt lost with its instance', () => {
  it('is executed again by the next instance at once, with the same idempotency key, long before its timeout', async () => {
    await putWorkflow(
      'lane-lost',
      'name: lane-lost\nsteps:\n  - { id: long, agent: slow-lost, input: a, timeout: 1h }\n  - { id: after, agent: tagger, input: "{{ long.output }}" }',
    );
    const runId = await startRun('lane-lost');
    await running(runId, 'long');
    // Mid-call: the agent has the lane's request (recorded as started comes before the call leaves).
    await eventually(async () => ((await received(runId)).length === 1 ? true : undefined));
    const stub = stubOf(runId);
    // The instance dies mid-call, as after kill -9 or a deploy: its in-memory lane is gone.
    await Promise.resolve(runInDurableObject(stub, (_obj, state) => state.abort('simulated crash'))).catch(
      () => undefined,
    );
    const alarm = await runInDurableObject(stubOf(runId), (_obj, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + LANE_WATCH_MS);
    await runDurableObjectAlarm(stubOf(runId));
    const run = await waitForRun(runId, 10_000);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.attempts)).toEqual([1, 1]);
    const keys = (await received(runId)).map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([`${runId}:long:1`, `${runId}:long:1`, `${runId}:after:1`]);
  });
});

describe('calls the run abandoned', () => {
  it('do not count against the agent: cancelling six runs mid-call leaves its circuit closed', async () => {
    await putAgent('slow-cancelled', httpAgent('slow/2000'));
    await putWorkflow('abandoned', 'name: abandoned\nsteps: [ { id: call, agent: slow-cancelled, input: a } ]');
    const runIds = await Promise.all(Array.from({ length: 6 }, () => startRun('abandoned')));
    for (const id of runIds) await running(id, 'call');
    for (const id of runIds) expect((await api(`/runs/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 600)); // past the gate's batching of outcomes
    const run = await waitForRun(await startRun('abandoned'));
    expect(run.status).toBe('completed');
    expect(run.steps[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
