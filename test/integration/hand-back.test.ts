import { env, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/engine';
import type { Claim } from '../../src/runtime/run-object';
import { eventually, httpAgent, putAgent, putWorkflow, startRun, stubOf, waitForRun } from '../support/helpers';

const snapshot = async (runId: string) => (await stubOf(runId).snapshot()) as unknown as RunState;
const running = (runId: string, stepId: string) => eventually(async () => ((await snapshot(runId)).steps[stepId]?.attempts[0]?.startedAt ? true : null));
const outboxOf = (runId: string) => runInDurableObject(stubOf(runId), (_obj, state) => state.storage.sql.exec<{ entry: string }>('SELECT entry FROM outbox').toArray().map((r) => JSON.parse(r.entry) as { type: string; stepId?: string }));

beforeAll(async () => {
  await putAgent('slow', httpAgent('slow/3000'));
  await putAgent('tagger', httpAgent('tag/T'));
});

describe('the step a report makes ready is handed back to the reporter', () => {
  it('report(…, wantsNext) answers the next step already claimed, sends it to no Queue, and the run completes on its report', async () => {
    await putWorkflow('handoff', 'name: handoff\nsteps:\n  - { id: first, agent: slow, input: a }\n  - { id: second, agent: tagger, input: "after {{ first.output }}" }');
    const runId = await startRun('handoff');
    await running(runId, 'first');
    // The test plays the consumer: it reports `first` before the real (slow) call answers.
    const next = (await stubOf(runId).report({ stepId: 'first', attempt: 1, ok: true, output: 'done' }, true)) as Claim | null;
    expect(next).toMatchObject({ stepId: 'second', attempt: 1, kind: 'agent', agent: 'tagger', input: 'after done', workflow: 'handoff' });
    expect(next!.timeoutMs).toBeGreaterThan(0);
    const state = await snapshot(runId);
    expect(state.steps.second).toMatchObject({ status: 'running', attempt: 1 });
    expect(state.steps.second!.attempts[0]!.startedAt).toBeTypeOf('number');
    expect((await outboxOf(runId)).filter((e) => e.type === 'Dispatch')).toEqual([]);
    // A second consumer cannot claim what was handed back.
    expect(await stubOf(runId).claim('second', 1)).toBeNull();
    expect(await stubOf(runId).report({ stepId: 'second', attempt: 1, ok: true, output: 'tagged' }, true)).toBeNull();
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'completed', output: 'tagged' });
  });

  it('without wantsNext the next step goes through the Queue as before', async () => {
    await putWorkflow('queued-next', 'name: queued-next\nsteps:\n  - { id: first, agent: slow, input: a }\n  - { id: second, agent: tagger, input: b }');
    const runId = await startRun('queued-next');
    await running(runId, 'first');
    expect(await stubOf(runId).report({ stepId: 'first', attempt: 1, ok: true, output: 'done' })).toBeNull();
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.find((s) => s.id === 'second')).toMatchObject({ status: 'succeeded' });
  });
});

describe('reports that arrive together are settled together', () => {
  it('three branches reported at once all count, and the step after the block goes to exactly one reporter', async () => {
    await putWorkflow('fan3', 'name: fan3\nsteps:\n  - id: all\n    parallel:\n      - { id: a, agent: slow, input: a }\n      - { id: b, agent: slow, input: b }\n      - { id: c, agent: slow, input: c }\n  - { id: after, agent: tagger, input: "{{ a.output }}{{ b.output }}{{ c.output }}" }');
    const runId = await startRun('fan3');
    for (const id of ['a', 'b', 'c']) await running(runId, id);
    const stub = stubOf(runId);
    const answers = (await Promise.all(['a', 'b', 'c'].map((id) => stub.report({ stepId: id, attempt: 1, ok: true, output: id.toUpperCase() }, true)))) as (Claim | null)[];
    const handed = answers.filter((c) => c !== null);
    expect(handed).toHaveLength(1);
    expect(handed[0]).toMatchObject({ stepId: 'after', input: 'ABC' });
    const state = await snapshot(runId);
    expect(['a', 'b', 'c'].map((id) => state.steps[id]!.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(state.steps.all!.status).toBe('succeeded');
  });
});

describe('claims', () => {
  it('claimMany claims each open attempt once: duplicates, stale attempts and unknown steps get null', async () => {
    await putWorkflow('claims', 'name: claims\nsteps: [ { id: first, agent: slow, input: a } ]');
    const runId = await startRun('claims');
    await running(runId, 'first');
    const claims = await stubOf(runId).claimMany([{ stepId: 'first', attempt: 1 }, { stepId: 'first', attempt: 2 }, { stepId: 'nope', attempt: 1 }]);
    expect(claims).toEqual([null, null, null]); // the consumer claimed attempt 1 already
  });
});

describe('a chain runs inside the RunObject (runChain)', () => {
  type Received = { headers: Record<string, string>; body: { runId: string; stepId: string } };
  const received = async (runId: string) => ((await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[]).filter((r) => r.body.runId === runId);
  const CHAIN = (name: string) => `name: ${name}\nsteps:\n  - { id: first, agent: slow, input: a }\n  - { id: second, agent: tagger, input: "{{ first.output }}" }\n  - { id: third, agent: tagger, input: "{{ second.output }}!" }`;

  it('executes the handed-back step and every step it makes ready, each started before its call, then the run completes', async () => {
    await putWorkflow('inline-chain', CHAIN('inline-chain'));
    const runId = await startRun('inline-chain');
    await running(runId, 'first');
    const next = (await stubOf(runId).report({ stepId: 'first', attempt: 1, ok: true, output: 'x' }, true)) as Claim | null;
    await stubOf(runId).runChain(next!, 60_000);
    const state = await snapshot(runId);
    expect(state.status).toBe('completed');
    expect(['second', 'third'].map((id) => state.steps[id]!.attempts.map((a) => a.status))).toEqual([['succeeded'], ['succeeded']]);
    expect(state.steps.third!.attempts[0]!.startedAt).toBeLessThanOrEqual(state.steps.third!.attempts[0]!.endedAt!);
    const calls = (await received(runId)).filter((r) => r.body.stepId !== 'first');
    expect(calls.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}:second:1`, `${runId}:third:1`]);
    expect((await waitForRun(runId)).output).toBe(state.output);
  });

  it('with no budget left it runs the given step only; the next one goes through the Queue', async () => {
    // `third` calls the slow agent: had runChain run it, it could not return before it succeeded.
    await putWorkflow('inline-budget', CHAIN('inline-budget').replace('{ id: third, agent: tagger', '{ id: third, agent: slow'));
    const runId = await startRun('inline-budget');
    await running(runId, 'first');
    const next = (await stubOf(runId).report({ stepId: 'first', attempt: 1, ok: true, output: 'x' }, true)) as Claim | null;
    await stubOf(runId).runChain(next!, 0);
    const state = await snapshot(runId);
    expect(state.steps.second!.status).toBe('succeeded');
    expect(state.steps.third!.status).not.toBe('succeeded');
    expect((await waitForRun(runId)).status).toBe('completed');
  });
});
