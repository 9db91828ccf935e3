import { describe, expect, it } from 'vitest';
import type { Command, RunEvent } from '../../src/core/engine';
import type { LoopSettings } from '../../src/core/engine/loop-types';
import { stateOf } from '../support/definitions';
import { ok, play } from '../support/play';

// An agent with max_concurrency: the executor reports StepDeferred when every slot is taken; the
// step waits (reason agent_busy) until SlotGranted dispatches the attempt again.

const WF = `name: slots
steps:
  - { id: a, agent: x, input: "go", timeout: 10s, retry: { max_attempts: 2, initial_interval: 1s } }
  - { id: b, agent: x, input: "{{ a.output }}" }
`;

const started: RunEvent[] = [{ type: 'RunStarted' }, { type: 'StepStarted', stepId: 'a', attempt: 1 }];
const deferred = (unit?: { turn: number }): RunEvent => ({
  type: 'StepDeferred',
  stepId: 'a',
  attempt: 1,
  ...(unit ? { unit } : {}),
  reason: 'agent_busy',
});
const granted = (unit?: { turn: number }, attempt = 1): RunEvent => ({
  type: 'SlotGranted',
  stepId: 'a',
  attempt,
  ...(unit ? { unit } : {}),
});
const dispatches = (commands: Command[]) =>
  commands.flatMap((c) =>
    c.type === 'DispatchStep' ? [`${c.stepId}#${c.attempt}${c.unit ? `:${c.unit.turn}` : ''} ${c.timeoutMs}`] : [],
  );
const stepTimeout: RunEvent = {
  type: 'TimerFired',
  timer: { id: 'step_timeout:a:1', kind: 'step_timeout', stepId: 'a', attempt: 1, at: 11_000 },
};

describe('decide: StepDeferred and SlotGranted (agent max_concurrency)', () => {
  it('a deferred attempt waits (agent_busy, unclaimed), then runs again with the time left when granted', async () => {
    const waiting = await play(stateOf(WF), [...started, deferred()]);
    expect(waiting.state.status).toBe('waiting');
    expect(waiting.state.steps.a).toMatchObject({ status: 'waiting', attempt: 1 });
    const attempt = waiting.state.steps.a!.attempts[0]!;
    expect(attempt).toMatchObject({ status: 'running', waitReason: 'agent_busy' });
    expect(attempt.startedAt).toBeUndefined();
    expect(waiting.last).toEqual([]);

    // Dispatched at 1000 with a 10 s timeout; granted at 1300: 9.7 s left.
    const run = await play(waiting.state, [granted()], 1300);
    expect(run.state.status).toBe('running');
    expect(run.state.steps.a!.status).toBe('running');
    expect(run.state.steps.a!.attempts[0]!.waitReason).toBeUndefined();
    expect(dispatches(run.last)).toEqual(['a#1 9700']);

    const done = await play(run.state, [{ type: 'StepStarted', stepId: 'a', attempt: 1 }, ok('a', 'A')], 1400);
    expect(done.state.steps.a).toMatchObject({ status: 'succeeded', output: 'A' });
    expect(dispatches(done.last)).toEqual(['b#1 600000']);
  });

  it('stale grants and duplicate deferrals change nothing; a late report of a waiting attempt is ignored', async () => {
    const running = await play(stateOf(WF), started);
    const early = await play(running.state, [granted()]);
    expect(early.state.steps.a).toEqual(running.state.steps.a);
    expect(early.last).toEqual([]);

    const waiting = await play(running.state, [deferred()]);
    const again = await play(waiting.state, [deferred(), ok('a', 'late'), granted(undefined, 2)]);
    expect(again.state.steps.a).toEqual(waiting.state.steps.a);
    expect(again.commands.flat()).toEqual([]);
  });

  it('the step timeout runs while it waits: the attempt fails timeout and is retried; its grant is then stale', async () => {
    const waiting = await play(stateOf(WF), [...started, deferred()]);
    const timedOut = await play(waiting.state, [stepTimeout], 11_000);
    expect(timedOut.state.steps.a).toMatchObject({ status: 'running', attempt: 1 });
    expect(timedOut.state.steps.a!.attempts[0]).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(timedOut.last.some((c) => c.type === 'SetTimer' && c.timer.kind === 'retry')).toBe(true);
    const late = await play(timedOut.state, [granted()], 11_100);
    expect(late.state.steps.a).toEqual(timedOut.state.steps.a);
    expect(late.last).toEqual([]);
  });

  it('a cancelled run drops its waiting attempt; the grant that follows is stale', async () => {
    const waiting = await play(stateOf(WF), [...started, deferred()]);
    const cancelled = await play(waiting.state, [{ type: 'CancelRequested' }, granted()]);
    expect(cancelled.state.status).toBe('cancelled');
    expect(cancelled.state.steps.a!.status).toBe('cancelled');
    expect(cancelled.last).toEqual([]);
  });

  it("a looped agent's model turn waits and is granted as a unit; its tool calls are not deferred", async () => {
    const settings: LoopSettings = {
      maxTurns: 4,
      maxToolCalls: 5,
      structured: false,
      tools: { fetch: { kind: 'http' } },
    };
    const turn1: RunEvent = {
      type: 'TurnEnded',
      stepId: 'a',
      attempt: 1,
      turn: 1,
      outcome: {
        ok: true,
        reply: { text: '', toolCalls: [{ id: 'c1', name: 'fetch', arguments: {} }] },
        settings,
        provider: 'openai',
      },
    };
    const toolDone: RunEvent = {
      type: 'ToolCallEnded',
      stepId: 'a',
      attempt: 1,
      turn: 1,
      callId: 'c1',
      outcome: { ok: true, output: 'page' },
    };
    const toolDeferred: RunEvent = { ...(deferred() as object), unit: { turn: 1, callId: 'c1' } } as RunEvent;
    const tools = await play(stateOf(WF), [...started, turn1, toolDeferred]);
    expect(tools.state.steps.a!.status).toBe('running');
    const next = await play(tools.state, [
      toolDone,
      { type: 'StepStarted', stepId: 'a', attempt: 1, unit: { turn: 2 } },
    ]);
    const waiting = await play(next.state, [deferred({ turn: 2 })], 1600);
    expect(waiting.state.steps.a).toMatchObject({ status: 'waiting' });
    expect(waiting.state.steps.a!.attempts[0]!.waitReason).toBe('agent_busy');
    expect(waiting.state.steps.a!.attempts[0]!.loop!.turns[1]!.startedAt).toBeUndefined();
    const run = await play(waiting.state, [granted({ turn: 2 })], 1700);
    expect(run.state.steps.a!.status).toBe('running');
    expect(dispatches(run.last)).toEqual(['a#1:2 9300']);
  });
});
