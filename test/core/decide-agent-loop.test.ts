import { describe, expect, it } from 'vitest';
import { decide, type Command, type RunEvent } from '../../src/core/engine';
import type { LoopSettings, ModelReply } from '../../src/core/engine/loop-types';
import { stateOf } from '../support/definitions';
import { deepFreeze, play } from '../support/play';

const clock = (now: number) => ({ now, random: () => 0.5 });

const WF = `name: loop
steps:
  - { id: a, agent: x, input: "go", retry: { max_attempts: 2, initial_interval: 1s } }
  - { id: b, agent: x, input: "{{ a.output.category }}" }
`;

const settings = (over: Partial<LoopSettings> = {}): LoopSettings => ({
  maxTurns: 4,
  maxToolCalls: 5,
  structured: false,
  tools: { search: { kind: 'mcp' }, fetch: { kind: 'http' }, helper: { kind: 'agent', target: 'helper' } },
  ...over,
});
const reply = (over: Partial<ModelReply>): ModelReply => ({ text: '', toolCalls: [], ...over });
const turn = (n: number, r: Partial<ModelReply>, s = settings()): RunEvent => ({
  type: 'TurnEnded',
  stepId: 'a',
  attempt: 1,
  turn: n,
  outcome: { ok: true, reply: reply(r), settings: s, provider: 'openai' },
});
const toolOk = (n: number, callId: string, output: unknown): RunEvent => ({
  type: 'ToolCallEnded',
  stepId: 'a',
  attempt: 1,
  turn: n,
  callId,
  outcome: { ok: true, output },
});
const started: RunEvent[] = [{ type: 'RunStarted' }, { type: 'StepStarted', stepId: 'a', attempt: 1 }];
const dispatches = (commands: Command[]) =>
  commands.flatMap((c) =>
    c.type === 'DispatchStep'
      ? [`${c.stepId}#${c.attempt}${c.unit ? `:${c.unit.turn}:${c.unit.callId ?? 'model'}` : ''}`]
      : [],
  );

describe('agent loop: turns and tool calls', () => {
  it('runs the tool calls of a turn in parallel, then the next turn, then succeeds with the answer', async () => {
    const calls = [
      { id: 'c1', name: 'search', arguments: { q: 'x' } },
      { id: 'c2', name: 'fetch', arguments: { url: 'https://a' } },
    ];
    const first = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: calls, usage: { inputTokens: 10, costUsd: 0.01 } }),
    ]);
    expect(dispatches(first.last)).toEqual(['a#1:1:c1', 'a#1:1:c2']);
    const loop = first.state.steps.a!.attempts[0]!.loop!;
    expect(loop.turns[0]!.toolCalls.map((c) => c.status)).toEqual(['running', 'running']);
    const one = await play(first.state, [toolOk(1, 'c1', 'found')]);
    expect(dispatches(one.last)).toEqual([]); // c2 still running
    const both = await play(one.state, [toolOk(1, 'c2', 'page')]);
    expect(dispatches(both.last)).toEqual(['a#1:2:model']);
    const done = await play(both.state, [
      turn(2, { text: 'all done', output: { category: 'z' }, usage: { inputTokens: 5, costUsd: 0.02 } }),
    ]);
    expect(done.state.steps.a!.status).toBe('succeeded');
    expect(done.state.steps.a!.output).toEqual({ category: 'z' });
    expect(done.state.steps.a!.attempts[0]!.usage).toEqual({ inputTokens: 15, costUsd: 0.03 });
    expect(done.state.steps.b!.input).toBe('z');
    expect(done.state.steps.a!.attempts[0]!.loop!.turns.map((t) => t.answered ?? false)).toEqual([false, true]);
  });

  it('a duplicate or stale report changes nothing', async () => {
    const first = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'search', arguments: {} }] }),
    ]);
    const once = await play(first.state, [toolOk(1, 'c1', 'x')]);
    const twice = await decide(deepFreeze(once.state), toolOk(1, 'c1', 'y'), clock(9000));
    expect(twice.commands).toEqual([]);
    expect(twice.state.steps.a!.attempts[0]!.loop!.turns[0]!.toolCalls[0]!.output).toBe('x');
    const again = await decide(deepFreeze(once.state), turn(1, { text: 'late' }), clock(9000));
    expect(again.commands).toEqual([]);
  });

  it('an unknown tool becomes an error result the model reads, and the loop goes on', async () => {
    const { state, last } = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'nope', arguments: {} }] }),
    ]);
    const call = state.steps.a!.attempts[0]!.loop!.turns[0]!.toolCalls[0]!;
    expect(call).toMatchObject({ status: 'failed', kind: 'unknown' });
    expect(call.error!.message).toContain("no tool named 'nope'");
    expect(dispatches(last)).toEqual(['a#1:2:model']);
  });

  it('stops at max_tool_calls with limit_exceeded and keeps the transcript', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: 'search', arguments: {} }));
    const s = settings({ maxToolCalls: 3 });
    const first = await play(stateOf(WF), [...started, turn(1, { toolCalls: many(2) }, s)]);
    const next = await play(first.state, [toolOk(1, 'c0', 1), toolOk(1, 'c1', 2), turn(2, { toolCalls: many(2) }, s)]);
    const step = next.state.steps.a!;
    expect(step.status).toBe('failed');
    expect(step.error).toMatchObject({ code: 'limit_exceeded', retryable: false });
    expect(step.attempts).toHaveLength(1); // not retried
    expect(step.attempts[0]!.loop!.turns).toHaveLength(2);
    expect(next.state.status).toBe('failed');
  });

  it('stops at max_turns with limit_exceeded', async () => {
    const s = settings({ maxTurns: 2 });
    const call = (n: number) => ({ toolCalls: [{ id: `t${n}`, name: 'search', arguments: {} }] });
    const { state } = await play(stateOf(WF), [
      ...started,
      turn(1, call(1), s),
      toolOk(1, 't1', 1),
      turn(2, call(2), s),
      toolOk(2, 't2', 1),
    ]);
    expect(state.steps.a!.error).toMatchObject({ code: 'limit_exceeded' });
    expect(state.steps.a!.error!.message).toContain('max_turns (2)');
  });

  it('retries a failed tool call per the retry policy, with the same unit, then hands the error to the model', async () => {
    const first = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'search', arguments: {} }] }),
    ]);
    const failed: RunEvent = {
      type: 'ToolCallEnded',
      stepId: 'a',
      attempt: 1,
      turn: 1,
      callId: 'c1',
      outcome: { ok: false, error: { code: 'network_error', message: 'reset', retryable: true } },
    };
    const once = await play(first.state, [failed]);
    const timer = once.last.find((c) => c.type === 'SetTimer');
    expect(timer).toMatchObject({ timer: { kind: 'retry', unit: { turn: 1, callId: 'c1' } } });
    const fired = await play(once.state, [
      { type: 'TimerFired', timer: (timer as Extract<Command, { type: 'SetTimer' }>).timer },
    ]);
    expect(dispatches(fired.last)).toEqual(['a#1:1:c1']);
    expect(fired.state.steps.a!.attempts[0]!.loop!.turns[0]!.toolCalls[0]!.tries).toBe(2);
    const twice = await play(fired.state, [failed]);
    const call = twice.state.steps.a!.attempts[0]!.loop!.turns[0]!.toolCalls[0]!;
    expect(call.status).toBe('failed');
    expect(dispatches(twice.last)).toEqual(['a#1:2:model']);
  });
});

describe('agent loop: structured output', () => {
  const s = settings({ structured: true });
  const issues = [{ path: '/category', message: 'must be string' }];
  it('an invalid answer gets one repair turn, then a valid answer is the output', async () => {
    const first = await play(stateOf(WF), [...started, turn(1, { text: '{"category":1}', invalid: issues }, s)]);
    expect(dispatches(first.last)).toEqual(['a#1:2:model']);
    expect(first.state.steps.a!.attempts[0]!.loop!.turns[1]!.repairOf).toEqual(issues);
    const done = await play(first.state, [turn(2, { text: '{"category":"a"}', output: { category: 'a' } }, s)]);
    expect(done.state.steps.a!.output).toEqual({ category: 'a' });
  });

  it('a model that stays invalid fails with invalid_output listing the paths', async () => {
    const { state } = await play(stateOf(WF), [
      ...started,
      turn(1, { text: 'no', invalid: issues }, s),
      turn(2, { text: 'still no', invalid: issues }, s),
    ]);
    expect(state.steps.a!.error).toMatchObject({ code: 'invalid_output', details: { issues } });
    expect(state.steps.a!.error!.message).toContain('/category');
  });
});

describe('agent loop: approvals and child runs', () => {
  const gated = settings({ tools: { deploy: { kind: 'http', approval: { assignees: ['lead@example.com'] } } } });
  const ask = turn(1, { toolCalls: [{ id: 'd1', name: 'deploy', arguments: { env: 'prod' } }] }, gated);
  const decided = (decision: 'approve' | 'reject', by = 'lead@example.com', comment?: string): RunEvent => ({
    type: 'ApprovalDecided',
    stepId: 'a',
    attempt: 1,
    decision,
    by,
    comment,
    toolCall: { turn: 1, callId: 'd1' },
  });

  it('an approval-gated call waits (step and run waiting) and asks its assignees', async () => {
    const { state, last } = await play(stateOf(WF), [...started, ask]);
    const request = last.find((c) => c.type === 'RequestApproval');
    expect(request).toMatchObject({
      approval: {
        id: `${state.runId}:a:1:1:d1`,
        assignees: ['lead@example.com'],
        toolCall: { callId: 'd1', tool: 'deploy' },
      },
    });
    expect((request as Extract<Command, { type: 'RequestApproval' }>).approval.message).toContain('"env": "prod"');
    expect(state.steps.a!.status).toBe('waiting');
    expect(state.status).toBe('waiting');
    expect(dispatches(last)).toEqual([]);
  });

  it('an approval message template reads the arguments (rendered before the decision ends)', async () => {
    const withMessage = settings({
      tools: {
        deploy: { kind: 'http', approval: { assignees: ['lead@example.com'], message: 'Deploy to {{ args.env }}?' } },
      },
    });
    const { state, last } = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'd1', name: 'deploy', arguments: { env: 'prod' } }] }, withMessage),
    ]);
    expect(last.find((c) => c.type === 'RequestApproval')).toMatchObject({ approval: { message: 'Deploy to prod?' } });
    expect(state.status).toBe('waiting');
  });

  it('reject: the call result names who rejected and why, and the loop goes on', async () => {
    const { state, last } = await play(stateOf(WF), [
      ...started,
      ask,
      decided('reject', 'lead@example.com', 'not this one'),
    ]);
    const call = state.steps.a!.attempts[0]!.loop!.turns[0]!.toolCalls[0]!;
    expect(call.status).toBe('rejected');
    expect(call.output).toBe('the call was rejected by lead@example.com: not this one');
    expect(dispatches(last)).toEqual(['a#1:2:model']);
    expect(last.find((c) => c.type === 'CloseApproval')).toMatchObject({ status: 'rejected' });
    expect(state.steps.a!.status).toBe('running');
  });

  it('approve runs the call; someone else cannot decide', async () => {
    const other = await play(stateOf(WF), [...started, ask, decided('approve', 'eve@example.com')]);
    expect(dispatches(other.last)).toEqual([]);
    const { last } = await play(stateOf(WF), [...started, ask, decided('approve')]);
    expect(dispatches(last)).toEqual(['a#1:1:d1']);
  });

  it('an agent tool starts a child run with the model argument as input', async () => {
    const { last } = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'h1', name: 'helper', arguments: { input: 'summarise this' } }] }),
    ]);
    expect(last.find((c) => c.type === 'StartChildRun')).toMatchObject({
      unit: { turn: 1, callId: 'h1' },
      agent: 'helper',
      input: { input: 'summarise this' },
    });
  });

  it('cancelling the run withdraws a pending tool approval', async () => {
    const { last } = await play(stateOf(WF), [...started, ask, { type: 'CancelRequested' }]);
    expect(last.find((c) => c.type === 'CloseApproval')).toMatchObject({
      approvalId: expect.stringContaining(':1:d1'),
      status: 'cancelled',
    });
  });
});

describe('agent loop: what review found', () => {
  const gated = settings({ tools: { deploy: { kind: 'http', approval: { assignees: ['lead@example.com'] } } } });
  const timeoutOf = (commands: Command[][]) =>
    commands
      .flat()
      .flatMap((c) => (c.type === 'SetTimer' && c.timer.kind === 'step_timeout' ? [c.timer] : []))
      .at(-1)!;

  it('a loop waiting on a tool approval fails at its step timeout, for good (not waiting forever, not redone)', async () => {
    const ask = turn(1, { toolCalls: [{ id: 'd1', name: 'deploy', arguments: {} }] }, gated);
    const { state, commands: all } = await play(stateOf(WF), [...started, ask]);
    const fired = await play(state, [{ type: 'TimerFired', timer: timeoutOf(all) }], 700_000);
    const step = fired.state.steps.a!;
    expect(step.status).toBe('failed');
    expect(step.error).toMatchObject({ code: 'timeout', retryable: false });
    expect(step.attempts).toHaveLength(1);
    expect(fired.last.find((c) => c.type === 'CloseApproval')).toMatchObject({ status: 'cancelled' });
    expect(fired.state.status).toBe('failed');
  });

  it('once a loop started, a report of the attempt as a whole changes nothing', async () => {
    const first = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'search', arguments: {} }] }),
    ]);
    const late = await decide(
      deepFreeze(first.state),
      { type: 'StepFailed', stepId: 'a', attempt: 1, error: { code: 'rate_limited', message: '429', retryable: true } },
      clock(5000),
    );
    expect(late.commands).toEqual([]);
    expect(late.state.steps.a!.status).toBe('running');
  });

  it('tool calls asked for in the last allowed turn are not made', async () => {
    const s = settings({ maxTurns: 1 });
    const { state, last } = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'search', arguments: {} }] }, s),
    ]);
    expect(dispatches(last)).toEqual([]);
    expect(state.steps.a!.error).toMatchObject({ code: 'limit_exceeded' });
  });

  it('usage of a failed try counts', async () => {
    const first = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'search', arguments: {} }] }),
    ]);
    const failed: RunEvent = {
      type: 'TurnEnded',
      stepId: 'a',
      attempt: 1,
      turn: 2,
      outcome: {
        ok: false,
        error: { code: 'agent_bad_response', message: 'bad', retryable: false },
        usage: { inputTokens: 999 },
      },
    };
    const { state } = await play(first.state, [toolOk(1, 'c1', 'x'), failed]);
    expect(state.steps.a!.attempts[0]!.usage).toEqual({ inputTokens: 999 });
  });

  it('generated call ids never collide with the ids the model gave', async () => {
    const calls = [
      { id: 'bad id', name: 'search', arguments: {} },
      { id: 'call_1_0', name: 'search', arguments: {} },
    ];
    const { state } = await play(stateOf(WF), [...started, turn(1, { toolCalls: calls })]);
    const ids = state.steps.a!.attempts[0]!.loop!.turns[0]!.toolCalls.map((c) => c.id);
    expect(new Set(ids).size).toBe(2);
  });

  it('a transcript past its budget stops the loop with limit_exceeded', async () => {
    const first = await play(stateOf(WF), [
      ...started,
      turn(1, { toolCalls: [{ id: 'c1', name: 'search', arguments: {} }] }),
    ]);
    const { state } = await play(first.state, [toolOk(1, 'c1', 'x'.repeat(700_000))]);
    expect(state.steps.a!.error).toMatchObject({ code: 'limit_exceeded' });
    expect(state.steps.a!.error!.message).toContain('transcript');
  });
});
