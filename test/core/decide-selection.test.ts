import { describe, expect, it } from 'vitest';
import { selectionRequest, type Command, type RunEvent, type RunState } from '../../src/core/engine';
import { rankCandidates, selectionReason } from '../../src/core/policy/selection';
import { stateOf } from '../support/definitions';
import { play } from '../support/play';

const WF = (extra = '') => `name: pick
steps:
  - { id: sum, agent: { skill: summarize${extra} }, input: "go", retry: { max_attempts: 2, initial_interval: 1s } }
`;
const CANDIDATES = ['cheap', 'mid', 'dear'];
const selection = (agent: string, candidates = CANDIDATES) => ({ agent, reason: 'test', candidates });

const failed = (attempt: number, agent: string, code = 'agent_error', retryable = true): RunEvent => ({
  type: 'StepFailed',
  stepId: 'sum',
  attempt,
  error: { code: code as 'agent_error', message: `${agent} answered 503`, retryable },
  agent,
  selection: selection(agent),
});
const succeeded = (attempt: number, agent: string): RunEvent => ({
  type: 'StepSucceeded',
  stepId: 'sum',
  attempt,
  output: `${agent} says hi`,
  agent,
  selection: selection(agent),
});
const claimed = (attempt: number): RunEvent => ({ type: 'StepStarted', stepId: 'sum', attempt });
const retryTimer = (commands: Command[]) =>
  commands.flatMap((c) => (c.type === 'SetTimer' && c.timer.kind === 'retry' ? [c.timer] : []));
const fire = (_state: RunState, timer: ReturnType<typeof retryTimer>[number]): RunEvent => ({
  type: 'TimerFired',
  timer: { ...timer, at: timer.at },
});

describe('selection by skill with fallback', () => {
  it('retries the chosen agent within its retries, then goes on at once with the next candidate', async () => {
    let { state, last } = await play(stateOf(WF()), [{ type: 'RunStarted' }, claimed(1), failed(1, 'cheap')]);
    const backoff = retryTimer(last)[0]!;
    expect(backoff.at).toBeGreaterThan(1200); // the same agent again, after its backoff
    ({ state } = await play(state, [fire(state, backoff)], 5000));
    expect(selectionRequest(state, 'sum')).toEqual({
      skill: 'summarize',
      prefer: 'cheapest',
      exclude: [],
      keep: 'cheap',
    });
    ({ state, last } = await play(state, [claimed(2), failed(2, 'cheap')], 6000));
    const now = retryTimer(last)[0]!;
    expect(now.at).toBe(6100); // its retries are spent: the next candidate at once, no backoff
    ({ state } = await play(state, [fire(state, now)], 6200));
    expect(selectionRequest(state, 'sum')).toEqual({ skill: 'summarize', prefer: 'cheapest', exclude: ['cheap'] });
    ({ state } = await play(state, [claimed(3), succeeded(3, 'mid')], 6300));
    const step = state.steps.sum!;
    expect(step.status).toBe('succeeded');
    expect(step.output).toBe('mid says hi');
    expect(step.attempts.map((a) => [a.agent, a.status])).toEqual([
      ['cheap', 'failed'],
      ['cheap', 'failed'],
      ['mid', 'succeeded'],
    ]);
    expect(step.attempts[2]!.selection?.candidates).toEqual(CANDIDATES);
    expect(state.status).toBe('completed');
  });

  it('moves on at once from an agent whose circuit is open', async () => {
    const { state, last } = await play(stateOf(WF()), [
      { type: 'RunStarted' },
      claimed(1),
      failed(1, 'cheap', 'circuit_open'),
    ]);
    expect(retryTimer(last)[0]!.at).toBe(1200);
    expect(state.steps.sum!.status).toBe('running');
  });

  it('fails the step with the last error, naming every agent tried, when all candidates are spent', async () => {
    let { state, last } = await play(stateOf(WF()), [{ type: 'RunStarted' }]);
    let attempt = 0;
    for (const agent of ['cheap', 'cheap', 'mid', 'mid', 'dear', 'dear']) {
      attempt += 1;
      ({ state, last } = await play(state, [claimed(attempt), failed(attempt, agent)], attempt * 100_000));
      const timer = retryTimer(last)[0];
      if (timer) ({ state } = await play(state, [fire(state, timer)], attempt * 100_000 + 90_000));
    }
    const step = state.steps.sum!;
    expect(step.status).toBe('failed');
    expect(step.attempt).toBe(6);
    expect(step.error).toMatchObject({ code: 'agent_error', retryable: false });
    expect(step.error!.message).toContain('every agent with skill summarize failed: cheap, mid, dear');
    expect(state.status).toBe('failed');
  });

  it('does not fall back on a failure that is not retryable', async () => {
    const { state } = await play(stateOf(WF()), [
      { type: 'RunStarted' },
      claimed(1),
      failed(1, 'cheap', 'agent_error', false),
    ]);
    expect(state.steps.sum!.status).toBe('failed');
    expect(state.steps.sum!.attempts).toHaveLength(1);
  });

  it('with fallback: false, the step retry policy alone decides (the same agent is kept)', async () => {
    let { state, last } = await play(stateOf(WF(', fallback: false')), [
      { type: 'RunStarted' },
      claimed(1),
      failed(1, 'cheap'),
    ]);
    ({ state } = await play(state, [fire(state, retryTimer(last)[0]!)], 9000));
    expect(selectionRequest(state, 'sum')).toMatchObject({ exclude: [], keep: 'cheap' });
    ({ state } = await play(state, [claimed(2), failed(2, 'cheap')], 9100));
    expect(state.steps.sum!.status).toBe('failed');
  });
});

describe("an agent's registry timeout and retry, for steps that set none", () => {
  const pinned = (state: RunState): RunState => ({
    ...state,
    agents: {
      slowpoke: {
        version: 3,
        timeout: '5s',
        retry: { max_attempts: 1, backoff: 'none', initial_interval: '1s', max_interval: '1s' },
      },
    },
  });
  it('dispatches with the agent timeout and does not retry past its max_attempts', async () => {
    const wf = 'name: t\nsteps:\n  - { id: a, agent: slowpoke@3, input: x }\n';
    const { state, commands } = await play(pinned(stateOf(wf)), [
      { type: 'RunStarted' },
      claimed(1),
      {
        type: 'StepFailed',
        stepId: 'a',
        attempt: 1,
        error: { code: 'network_error', message: 'down', retryable: true },
      },
    ]);
    const dispatch = commands[0]!.find((c) => c.type === 'DispatchStep');
    expect(dispatch).toMatchObject({ stepId: 'a', timeoutMs: 5000 });
    expect(state.steps.a!.attempts[0]!.agent).toBe('slowpoke');
    expect(state.steps.a!.status).toBe('failed');
  });
  it("a step's own retry wins over the agent's", async () => {
    const wf = 'name: t\nsteps:\n  - { id: a, agent: slowpoke, input: x, retry: { max_attempts: 3 } }\n';
    const { state } = await play(pinned(stateOf(wf)), [
      { type: 'RunStarted' },
      claimed(1),
      {
        type: 'StepFailed',
        stepId: 'a',
        attempt: 1,
        error: { code: 'network_error', message: 'down', retryable: true },
      },
    ]);
    expect(state.steps.a!.status).toBe('running');
  });
});

describe('ranking candidates', () => {
  const candidates = [
    { name: 'b-mid', costUsd: 0.02, p50Ms: 300, successRate: 0.9 },
    { name: 'a-unknown' },
    { name: 'c-cheap', costUsd: 0.01, p50Ms: 900, successRate: 0.5 },
    { name: 'a-cheap-too', costUsd: 0.01, p50Ms: 100, successRate: 0.99 },
  ];
  it('orders by the preference, unknown figures last, ties by name', () => {
    expect(rankCandidates(candidates, 'cheapest').map((c) => c.name)).toEqual([
      'a-cheap-too',
      'c-cheap',
      'b-mid',
      'a-unknown',
    ]);
    expect(rankCandidates(candidates, 'fastest').map((c) => c.name)).toEqual([
      'a-cheap-too',
      'b-mid',
      'c-cheap',
      'a-unknown',
    ]);
    expect(rankCandidates(candidates, 'most_reliable').map((c) => c.name)).toEqual([
      'a-cheap-too',
      'b-mid',
      'c-cheap',
      'a-unknown',
    ]);
  });
  it('says why in words', () => {
    expect(selectionReason(candidates[2]!, 'cheapest', 4, 'summarize')).toBe(
      'cheapest of 4 with skill summarize ($0.01 per call)',
    );
    expect(selectionReason(candidates[1]!, 'fastest', 4, 'summarize')).toBe(
      'fastest of 4 with skill summarize (no latency known)',
    );
  });
});
