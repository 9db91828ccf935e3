import { describe, expect, it } from 'vitest';
import { changedSteps, decide, decideAll, type Command, type RunEvent, type RunState } from '../../src/core/engine';
import { stateOf } from '../support/definitions';
import { deepFreeze } from '../support/play';

const clock = (now: number, random = 0.5) => ({ now, random: () => random });

/** Feeds events in order to frozen states; returns the final state and every decision's commands. */
async function play(state: RunState, events: RunEvent[], start = 1000) {
  const all: Command[][] = [];
  let now = start;
  for (const event of events) {
    const d = await decide(deepFreeze(state), event, clock(now));
    state = d.state;
    all.push(d.commands);
    now += 100;
  }
  return { state, commands: all, last: all.at(-1)! };
}

const ok = (stepId: string, output: unknown, attempt = 1): RunEvent => ({
  type: 'StepSucceeded',
  stepId,
  attempt,
  output,
});
const fail = (stepId: string, retryable: boolean, attempt = 1, retryAfterMs?: number): RunEvent => ({
  type: 'StepFailed',
  stepId,
  attempt,
  error: { code: 'agent_error', message: 'boom', retryable, retryAfterMs },
});
/** Commands as short strings; the unclaimed-attempt watchdog timers are tested on their own below. */
const types = (commands: Command[]) =>
  commands
    .filter((c) => !JSON.stringify(c).includes('unclaimed'))
    .map((c) =>
      c.type === 'DispatchStep'
        ? `Dispatch ${c.stepId}#${c.attempt}`
        : c.type === 'SetTimer'
          ? `SetTimer ${c.timer.id}`
          : c.type === 'CancelTimer'
            ? `CancelTimer ${c.timerId}`
            : c.type,
    );

const CHAIN = `name: chain
steps:
  - { id: a, agent: x, input: "start {{ inputs.topic }}", retry: { max_attempts: 3, initial_interval: 1s, max_interval: 10s } }
  - { id: b, agent: x, input: "{{ a.output }}!" }
`;

describe('decide: RunStarted', () => {
  it('queued → running, dispatches the first step with its rendered input and a timeout timer', async () => {
    const { state, last } = await play(stateOf(CHAIN, { topic: 'CRM' }), [{ type: 'RunStarted' }]);
    expect(state.status).toBe('running');
    expect(types(last)).toEqual(['Dispatch a#1', 'SetTimer step_timeout:a:1']);
    expect(state.steps.a).toMatchObject({ status: 'running', attempt: 1, input: 'start CRM' });
    expect(state.steps.b!.status).toBe('pending');
  });

  it('dispatches every root of a DAG at once', async () => {
    const { last } = await play(
      stateOf(`name: dag
steps:
  - { id: a, agent: x }
  - { id: b, agent: x, needs: [] }
  - { id: c, agent: x, needs: [a, b] }
`),
      [{ type: 'RunStarted' }],
    );
    expect(types(last).filter((t) => t.startsWith('Dispatch'))).toEqual(['Dispatch a#1', 'Dispatch b#1']);
  });

  it('is ignored once the run is running', async () => {
    const { last } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, { type: 'RunStarted' }]);
    expect(last).toEqual([]);
  });
});

describe('decide: StepStarted', () => {
  it('records the start of the current attempt and ignores stale ones', async () => {
    const { state } = await play(stateOf(CHAIN), [
      { type: 'RunStarted' },
      { type: 'StepStarted', stepId: 'a', attempt: 1 },
      { type: 'StepStarted', stepId: 'a', attempt: 7 },
    ]);
    expect(state.steps.a!.startedAt).toBe(1000); // the step started when dispatched
    expect(state.steps.a!.attempts[0]!.startedAt).toBe(1100);
  });
});

describe('decide: StepSucceeded', () => {
  it('starts the next step with the output in its context, then completes with the last output', async () => {
    const { state, commands } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, ok('a', 'A'), ok('b', 'B')]);
    expect(types(commands[1]!)).toEqual(['CancelTimer step_timeout:a:1', 'Dispatch b#1', 'SetTimer step_timeout:b:1']);
    expect(state.steps.b!.input).toBe('A!');
    expect(state.status).toBe('completed');
    expect(state.output).toBe('B');
    expect(commands[2]!.at(-1)).toEqual({ type: 'CompleteRun', output: 'B' });
  });

  it('keeps the type of a lone {{ }} output', async () => {
    const { state } = await play(
      stateOf('name: t\nsteps: [ { id: a, agent: x } ]\noutput: "{{ { \\"n\\": a.output } }}"'),
      [{ type: 'RunStarted' }, ok('a', 42)],
    );
    expect(state.output).toEqual({ n: 42 });
  });

  it.each([
    ['a stale attempt', ok('a', 'late', 2)],
    ['an unknown step', ok('zz', 'x')],
    ['a step not running', ok('b', 'x')],
  ])('ignores %s', async (_label, event) => {
    const started = (await play(stateOf(CHAIN), [{ type: 'RunStarted' }])).state;
    const d = await decide(started, event, clock(2000));
    expect(d.commands).toEqual([]);
    expect(d.state).toEqual(started);
  });

  it('ignores a duplicate report and reports after the run ended', async () => {
    const { commands, state } = await play(stateOf(CHAIN), [
      { type: 'RunStarted' },
      ok('a', 'A'),
      ok('a', 'A'),
      ok('b', 'B'),
      ok('b', 'again'),
    ]);
    expect(commands[2]).toEqual([]);
    expect(commands[4]).toEqual([]);
    expect(state.output).toBe('B');
  });
});

describe('decide: StepFailed and retries', () => {
  it('schedules a retry with full-jitter exponential backoff', async () => {
    const { state, last } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, fail('a', true)]);
    expect(types(last)).toEqual(['CancelTimer step_timeout:a:1', 'SetTimer retry:a:1']);
    const timer = (
      last.find((c) => c.type === 'SetTimer' && c.timer.kind === 'retry') as Extract<Command, { type: 'SetTimer' }>
    ).timer;
    expect(timer.at).toBe(1100 + 500); // initial 1 s × 2^0 × random 0.5
    expect(state.steps.a).toMatchObject({ status: 'running', attempt: 1 });
    expect(state.steps.a!.attempts[0]!.status).toBe('failed');
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    const { last } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, fail('a', true, 1, 5000)]);
    expect(
      (last.find((c) => c.type === 'SetTimer' && c.timer.kind === 'retry') as Extract<Command, { type: 'SetTimer' }>)
        .timer.at,
    ).toBe(1100 + 5000);
  });

  it('the retry timer dispatches the next attempt; a stale one does nothing', async () => {
    const base = (await play(stateOf(CHAIN), [{ type: 'RunStarted' }, fail('a', true)])).state;
    const fired = await decide(
      base,
      { type: 'TimerFired', timer: { id: 'retry:a:1', kind: 'retry', stepId: 'a', attempt: 1, at: 1600 } },
      clock(1600),
    );
    expect(types(fired.commands)).toEqual(['Dispatch a#2', 'SetTimer step_timeout:a:2']);
    const stale = await decide(
      fired.state,
      { type: 'TimerFired', timer: { id: 'retry:a:1', kind: 'retry', stepId: 'a', attempt: 1, at: 1600 } },
      clock(1700),
    );
    expect(stale.commands).toEqual([]);
  });

  it('fails the run after the last attempt, naming the step and the attempts', async () => {
    const retryTimer = (attempt: number): RunEvent => ({
      type: 'TimerFired',
      timer: { id: `retry:a:${attempt}`, kind: 'retry', stepId: 'a', attempt, at: 0 },
    });
    const { state, last } = await play(stateOf(CHAIN), [
      { type: 'RunStarted' },
      fail('a', true, 1),
      retryTimer(1),
      fail('a', true, 2),
      retryTimer(2),
      fail('a', true, 3),
    ]);
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'agent_error', message: 'boom (after 3 attempts)', stepId: 'a' });
    expect(state.steps.b!.status).toBe('cancelled');
    expect(last.at(-1)).toMatchObject({ type: 'FailRun' });
  });

  it('a non-retryable failure fails the run at once', async () => {
    const { state } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, fail('a', false)]);
    expect(state.status).toBe('failed');
    expect(state.steps.a!.attempts).toHaveLength(1);
  });

  it('on_error: continue lets dependants run and the run complete', async () => {
    const { state } = await play(
      stateOf(`name: t
steps:
  - { id: a, agent: x, on_error: continue }
  - { id: b, agent: x, input: "{{ a.status }}" }
`),
      [{ type: 'RunStarted' }, fail('a', false), ok('b', 'B')],
    );
    expect(state.steps.a!.status).toBe('failed');
    expect(state.steps.b!.input).toBe('failed');
    expect(state.status).toBe('completed');
  });

  it("on_error: <step> runs the handler, skips the failed step's dependants, and completes", async () => {
    const { state, commands } = await play(
      stateOf(`name: t
steps:
  - { id: a, agent: x, on_error: recover }
  - { id: b, agent: x }
  - { id: recover, agent: x, input: "{{ a.error.message }}" }
`),
      [{ type: 'RunStarted' }, fail('a', false), ok('recover', 'fixed')],
    );
    expect(types(commands[1]!)).toContain('Dispatch recover#1');
    expect(state.steps.recover!.input).toBe('boom');
    expect(state.steps.b).toMatchObject({ status: 'skipped', skipReason: 'upstream_failed' });
    expect(state.status).toBe('completed');
  });

  it('an untriggered error handler ends skipped', async () => {
    const { state } = await play(
      stateOf(`name: t
steps:
  - { id: a, agent: x, on_error: recover }
  - { id: recover, agent: x }
`),
      [{ type: 'RunStarted' }, ok('a', 'A')],
    );
    expect(state.steps.recover).toMatchObject({ status: 'skipped', skipReason: 'not_triggered' });
    expect(state.output).toBe('A');
  });
});

describe('decide: timeouts', () => {
  it('a timed-out attempt is retried; its late result is ignored', async () => {
    const timeout: RunEvent = {
      type: 'TimerFired',
      timer: { id: 'step_timeout:a:1', kind: 'step_timeout', stepId: 'a', attempt: 1, at: 0 },
    };
    const { state, commands } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, timeout, ok('a', 'late', 1)]);
    expect(state.steps.a!.attempts[0]).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(types(commands[1]!)).toEqual(['SetTimer retry:a:1']);
    expect(commands[2]).toEqual([]);
  });

  it("the step's timer firing and the executor giving up end the attempt alike: failed, code timeout", async () => {
    const one = 'name: t\nsteps: [ { id: a, agent: x, retry: { max_attempts: 1 } } ]';
    const timer: RunEvent = {
      type: 'TimerFired',
      timer: { id: 'step_timeout:a:1', kind: 'step_timeout', stepId: 'a', attempt: 1, at: 0 },
    };
    const executor: RunEvent = {
      type: 'StepFailed',
      stepId: 'a',
      attempt: 1,
      error: { code: 'timeout', message: 'the agent did not answer before the step timeout', retryable: true },
    };
    const ends = await Promise.all(
      [timer, executor].map(async (event) => {
        const { state } = await play(stateOf(one), [{ type: 'RunStarted' }, event]);
        return [state.steps.a!.status, state.steps.a!.attempts[0]!.status, state.steps.a!.error?.code];
      }),
    );
    expect(ends).toEqual([
      ['failed', 'failed', 'timeout'],
      ['failed', 'failed', 'timeout'],
    ]);
  });

  it('a timeout timer for a finished attempt does nothing', async () => {
    const { last } = await play(stateOf(CHAIN), [
      { type: 'RunStarted' },
      ok('a', 'A'),
      { type: 'TimerFired', timer: { id: 'step_timeout:a:1', kind: 'step_timeout', stepId: 'a', attempt: 1, at: 0 } },
    ]);
    expect(last).toEqual([]);
  });
});

describe('decide: unclaimed attempts', () => {
  const unclaimed: RunEvent = {
    type: 'TimerFired',
    timer: { id: 'unclaimed:a:1', kind: 'unclaimed', stepId: 'a', attempt: 1, at: 0 },
  };
  it('an attempt no consumer claimed is sent again (same attempt), and checked again later', async () => {
    const { commands } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, unclaimed]);
    expect(commands[0]).toContainEqual({
      type: 'SetTimer',
      timer: { id: 'unclaimed:a:1', kind: 'unclaimed', stepId: 'a', attempt: 1, at: 1000 + 30_000 },
    });
    expect(commands[1]).toEqual([
      { type: 'DispatchStep', stepId: 'a', attempt: 1, kind: 'agent', timeoutMs: 600_000 },
      {
        type: 'SetTimer',
        timer: { id: 'unclaimed:a:1', kind: 'unclaimed', stepId: 'a', attempt: 1, at: 1100 + 30_000 },
      },
    ]);
  });

  it('a claimed attempt cancels the watchdog and is not sent again', async () => {
    const { commands } = await play(stateOf(CHAIN), [
      { type: 'RunStarted' },
      { type: 'StepStarted', stepId: 'a', attempt: 1 },
      unclaimed,
    ]);
    expect(commands[1]).toEqual([{ type: 'CancelTimer', timerId: 'unclaimed:a:1' }]);
    expect(commands[2]).toEqual([]);
  });
});

describe('decide: conditions and skipping', () => {
  const yaml = `name: t
inputs: { go: { type: boolean } }
steps:
  - { id: a, agent: x, if: "inputs.go" }
  - { id: b, agent: x }
  - { id: c, agent: x, needs: [a] }
`;
  it('a false if: skips the step; explicit needs on only skipped steps skip too; implicit order does not', async () => {
    const { state, last } = await play(stateOf(yaml, { go: false }), [{ type: 'RunStarted' }]);
    expect(state.steps.a).toMatchObject({ status: 'skipped', skipReason: 'condition' });
    expect(state.steps.c).toMatchObject({ status: 'skipped', skipReason: 'needs_skipped' });
    expect(types(last)).toEqual(['Dispatch b#1', 'SetTimer step_timeout:b:1']);
  });

  it('a true if: runs the step', async () => {
    const { last } = await play(stateOf(yaml, { go: true }), [{ type: 'RunStarted' }]);
    expect(types(last)[0]).toBe('Dispatch a#1');
  });

  it('an input that fails to evaluate fails the step with expression_error', async () => {
    const { state } = await play(
      stateOf('name: t\nsteps: [ { id: a, agent: x, input: "{{ $number(inputs.topic) }}" } ]', { topic: 'abc' }),
      [{ type: 'RunStarted' }],
    );
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'expression_error', stepId: 'a' });
    expect(state.error!.message).toMatch(/^steps\[0\]\.input: /);
  });
});

describe('decide: the context a template is rendered with', () => {
  it('holds the steps the template names, or every step when it reads $ whole', async () => {
    const WHOLE = `name: w
steps:
  - { id: a, agent: x, input: one }
  - { id: b, agent: x, input: "{{ a.output }}" }
  - { id: c, agent: x, input: "{{ $lookup($, 'a').output & '+' & $lookup($, 'b').output }}" }
`;
    const { state } = await play(stateOf(WHOLE), [{ type: 'RunStarted' }, ok('a', 'A'), ok('b', 'B')]);
    expect(state.steps.b!.input).toBe('A');
    expect(state.steps.c!.input).toBe('A+B');
  });
});

describe('decide: purity', () => {
  it('never modifies the state it is given', async () => {
    const before = stateOf(CHAIN);
    const copy = structuredClone(before);
    await decide(before, { type: 'RunStarted' }, clock(1));
    expect(before).toEqual(copy);
  });
});

describe('decideAll and changedSteps', () => {
  const PAR = `name: par
steps:
  - id: all
    parallel:
      - { id: p, agent: x, input: p }
      - { id: q, agent: x, input: q }
  - { id: after, agent: x, input: "{{ p.output }}{{ q.output }}" }
`;
  const jsonDiff = (a: RunState, b: RunState) =>
    Object.keys(b.steps).filter((k) => JSON.stringify(a.steps[k]) !== JSON.stringify(b.steps[k]));

  it('deciding a batch equals deciding its events one by one, without touching the input state', async () => {
    const { state: started } = await play(stateOf(PAR), [{ type: 'RunStarted' }]);
    const frozen = JSON.stringify(started);
    const events: RunEvent[] = [{ type: 'StepStarted', stepId: 'p', attempt: 1 }, ok('p', 'P'), ok('q', 'Q')];
    const one = await play(started, events, 2000);
    const batch = await decideAll(started, events, clock(2000));
    expect(JSON.stringify(started)).toBe(frozen);
    expect(batch.state.steps.after).toMatchObject({ status: 'running', input: 'PQ' });
    expect(types(batch.commands)).toEqual(types(one.commands.flat()));
    expect(Object.keys(batch.state.steps)).toEqual(Object.keys(one.state.steps));
  });

  it('follow-up events are decided on the same copy, as if decided after the batch', async () => {
    const { state: started } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }]);
    const events: RunEvent[] = [{ type: 'StepStarted', stepId: 'a', attempt: 1 }, ok('a', 'A')];
    const startDispatched = (commands: readonly Command[]): RunEvent[] =>
      commands.flatMap((c) =>
        c.type === 'DispatchStep' ? [{ type: 'StepStarted', stepId: c.stepId, attempt: c.attempt } as RunEvent] : [],
      );
    const frozen = JSON.stringify(started);
    const together = await decideAll(started, events, clock(2000), startDispatched);
    const first = await decideAll(started, events, clock(2000));
    const second = await decideAll(first.state, startDispatched(first.commands), clock(2000));
    expect(JSON.stringify(started)).toBe(frozen);
    expect(together.state).toEqual(second.state);
    expect(together.commands).toEqual([...first.commands, ...second.commands]);
    expect(together.state.steps.b!.attempts[0]!.startedAt).toBe(2000);
  });

  it('changedSteps names exactly the instances whose JSON changed', async () => {
    const { state: started } = await play(stateOf(PAR), [{ type: 'RunStarted' }]);
    for (const events of [
      [ok('p', 'P')],
      [ok('p', { big: [1, 2] }), ok('q', 'Q')],
      [fail('q', false)],
      [{ type: 'StepStarted', stepId: 'q', attempt: 1 } as RunEvent],
      [ok('p', 'P', 9)],
    ]) {
      const { state } = await decideAll(started, events, clock(2000));
      expect(changedSteps(started, state).sort()).toEqual(jsonDiff(started, state).sort());
    }
    const stale = await decideAll(started, [ok('p', 'P', 9)], clock(2000));
    expect(changedSteps(started, stale.state)).toEqual([]);
  });

  it('a decision copies only the step instances it changes; the rest stay the same objects', async () => {
    const CHAIN =
      'name: c\nsteps:\n  - { id: a, agent: x, input: a }\n  - { id: b, agent: x, input: b }\n  - { id: c, agent: x, input: c }';
    const { state: started } = await play(stateOf(CHAIN), [
      { type: 'RunStarted' },
      { type: 'StepStarted', stepId: 'a', attempt: 1 },
    ]);
    const { state: next } = await decideAll(started, [ok('a', 'A')], clock(2000));
    expect(next.steps.c).toBe(started.steps.c);
    expect(next.steps.a).not.toBe(started.steps.a);
    expect(next.steps.b).not.toBe(started.steps.b);
    expect(changedSteps(started, next)).toEqual(['a', 'b']);
    expect([started.steps.a!.status, started.steps.b!.status]).toEqual(['running', 'pending']);
  });

  it('a retried step shares its earlier attempts with the state before, yet neither state changes the other', async () => {
    const RETRY = 'name: r\nsteps: [ { id: a, agent: x, input: a, retry: { max_attempts: 3, initial_interval: 1s } } ]';
    const { state: started } = await play(stateOf(RETRY), [{ type: 'RunStarted' }]);
    const { state: failedOnce } = await decideAll(
      started,
      [{ type: 'StepStarted', stepId: 'a', attempt: 1 }, fail('a', true)],
      clock(2000),
    );
    const { state: retried } = await decideAll(
      failedOnce,
      [
        {
          type: 'TimerFired',
          timer: { id: 'retry:a:1', at: 3000, kind: 'retry', stepId: 'a', attempt: 1 },
        } as RunEvent,
      ],
      clock(3000),
    );
    expect(retried.steps.a!.attempts.map((x) => x.status)).toEqual(['failed', 'running']);
    const frozen = JSON.stringify(retried);
    const { state: done } = await decideAll(
      retried,
      [{ type: 'StepStarted', stepId: 'a', attempt: 2 }, ok('a', 'A', 2)],
      clock(4000),
    );
    expect(JSON.stringify(retried)).toBe(frozen);
    expect(done.steps.a!.attempts.map((x) => x.status)).toEqual(['failed', 'succeeded']);
    expect(done.steps.a!.attempts[0]).toBe(retried.steps.a!.attempts[0]); // shared, not copied
    expect(changedSteps(retried, done)).toEqual(['a']);
  });
});
