import { describe, expect, it } from 'vitest';
import { decide, type RunEvent } from '../../src/core/engine';
import { dispatched, fail, ok, play, status } from '../support/play';
import { stateOf } from '../support/definitions';
import { validateDefinition } from '../../src/core/definition';

describe('parallel', () => {
  const yaml = (waitFor: string) => `name: p
steps:
  - id: all
    parallel:
      - { id: a, agent: x }
      - { id: b, agent: x }
      - { id: c, agent: x }
    wait_for: ${waitFor}
  - { id: after, agent: x, input: "{{ a.output }}" }
`;

  it('starts every child at once; wait_for all completes when all succeed, output by child id', async () => {
    const { state, commands } = await play(stateOf(yaml('all')), [{ type: 'RunStarted' }, ok('a'), ok('b'), ok('c')]);
    expect(dispatched(commands[0]!)).toEqual(['a', 'b', 'c']);
    expect(dispatched(commands[3]!)).toEqual(['after']);
    expect(state.steps.all).toMatchObject({ status: 'succeeded', output: { a: 'A', b: 'B', c: 'C' } });
    expect(state.steps.after!.input).toBe('A');
  });

  it('wait_for any: the first success settles the block; the rest are cancelled and their late results ignored', async () => {
    const { state, commands } = await play(stateOf(yaml('any')), [{ type: 'RunStarted' }, ok('b'), ok('a')]);
    expect(status(state)).toMatchObject({
      all: 'succeeded',
      a: 'cancelled',
      b: 'succeeded',
      c: 'cancelled',
      after: 'running',
    });
    expect(state.steps.all!.output).toEqual({ b: 'B' });
    expect(commands[2]).toEqual([]);
  });

  it('wait_for 2 survives one failure, and fails once it cannot be met', async () => {
    const survived = await play(stateOf(yaml('2')), [{ type: 'RunStarted' }, fail('a'), ok('b'), ok('c')]);
    expect(survived.state.steps.all!.status).toBe('succeeded');
    const failed = await play(stateOf(yaml('2')), [{ type: 'RunStarted' }, fail('a'), fail('b')]);
    expect(failed.state.status).toBe('failed');
    expect(failed.state.error).toMatchObject({ stepId: 'all', message: 'wait_for 2 cannot be met: a: a broke' });
    expect(failed.state.steps.c!.status).toBe('cancelled');
  });

  it('wait_for all fails at the first failure', async () => {
    const { state } = await play(stateOf(yaml('all')), [{ type: 'RunStarted' }, fail('b')]);
    expect(state.status).toBe('failed');
    expect(status(state)).toMatchObject({ a: 'cancelled', b: 'failed', c: 'cancelled' });
  });
});

describe('switch', () => {
  const yaml = `name: s
inputs: { kind: { type: string } }
steps:
  - id: route
    switch: "{{ inputs.kind }}"
    cases:
      billing: [ { id: bill, agent: x }, { id: bill2, agent: x, input: "{{ bill.output }}" } ]
      tech: [ { id: tech, agent: x } ]
    default: [ { id: general, agent: x } ]
  - { id: save, agent: x, input: "{{ route.output }}" }
`;
  it("runs the matching case as a list, skips the others, and outputs the case's last step", async () => {
    const { state, commands } = await play(stateOf(yaml, { kind: 'billing' }), [
      { type: 'RunStarted' },
      ok('bill'),
      ok('bill2', 'paid'),
    ]);
    expect(dispatched(commands[0]!)).toEqual(['bill']);
    expect(status(state)).toMatchObject({
      route: 'succeeded',
      bill: 'succeeded',
      bill2: 'succeeded',
      tech: 'skipped',
      general: 'skipped',
    });
    expect(state.steps.tech!.skipReason).toBe('not_selected');
    expect(state.steps.save!.input).toBe('paid');
  });

  it('falls back to default', async () => {
    const { commands } = await play(stateOf(yaml, { kind: 'other' }), [{ type: 'RunStarted' }]);
    expect(dispatched(commands[0]!)).toEqual(['general']);
  });
});

describe('foreach', () => {
  const yaml = (concurrency: number, onError = 'fail') => `name: f
inputs: { list: { type: array } }
steps:
  - id: each
    foreach: "{{ inputs.list }}"
    concurrency: ${concurrency}
    do:
      - { id: dive, agent: x, input: "{{ index }}:{{ item }}", on_error: ${onError} }
  - { id: after, agent: x, input: "{{ each.output }}" }
`;
  it('runs at most `concurrency` iterations at once and outputs in input order', async () => {
    const { state, commands } = await play(stateOf(yaml(2), { list: ['a', 'b', 'c'] }), [
      { type: 'RunStarted' },
      ok('dive[1]', 'B'),
      ok('dive[0]', 'A'),
      ok('dive[2]', 'C'),
    ]);
    expect(dispatched(commands[0]!)).toEqual(['dive[0]', 'dive[1]']);
    expect(dispatched(commands[1]!)).toEqual(['dive[2]']);
    expect(state.steps['dive[2]']!.input).toBe('2:c');
    expect(state.steps.each!.output).toEqual(['A', 'B', 'C']);
    expect(state.steps.after!.input).toEqual(['A', 'B', 'C']);
  });

  it('iterations ending out of order: the scan skips only the ended ones below the first still running', async () => {
    const input = { list: ['a', 'b', 'c', 'd', 'e'] };
    const { state: mid, commands } = await play(stateOf(yaml(2), input), [
      { type: 'RunStarted' },
      ok('dive[1]', 'B'),
      ok('dive[2]', 'C'),
    ]);
    expect(commands.map(dispatched)).toEqual([['dive[0]', 'dive[1]'], ['dive[2]'], ['dive[3]']]);
    expect(mid.steps.each).toMatchObject({ started: 4, settledBelow: 0 }); // dive[0] still runs
    const { state: after, commands: more } = await play(mid, [ok('dive[0]', 'A')]);
    expect(after.steps.each).toMatchObject({ started: 5, settledBelow: 3 });
    expect(dispatched(more[0]!)).toEqual(['dive[4]']);
    const { state: done } = await play(after, [ok('dive[3]', 'D'), ok('dive[4]', 'E')]);
    expect(done.steps.each).toMatchObject({ status: 'succeeded', output: ['A', 'B', 'C', 'D', 'E'] });
  });

  it('a failing item fails the foreach (and the run); with on_error: continue the item yields null', async () => {
    const failed = await play(stateOf(yaml(3), { list: [1, 2] }), [{ type: 'RunStarted' }, fail('dive[0]')]);
    expect(failed.state.status).toBe('failed');
    expect(failed.state.steps['dive[1]']!.status).toBe('cancelled');
    const kept = await play(stateOf(yaml(3, 'continue'), { list: [1, 2] }), [
      { type: 'RunStarted' },
      fail('dive[0]'),
      ok('dive[1]', 'two'),
    ]);
    expect(kept.state.steps.each).toMatchObject({ status: 'succeeded', output: [null, 'two'] });
  });

  it('an empty list completes at once; a non-list fails with expression_error', async () => {
    const empty = await play(stateOf(yaml(3), { list: [] }), [{ type: 'RunStarted' }]);
    expect(empty.state.steps.each).toMatchObject({ status: 'succeeded', output: [] });
    const bad = await play(stateOf(yaml(3), { list: 'nope' }), [{ type: 'RunStarted' }]);
    expect(bad.state.error).toMatchObject({ code: 'expression_error', stepId: 'each' });
  });

  it('handles 1,000 items', async () => {
    const list = Array.from({ length: 1000 }, (_, i) => i);
    let { state } = await play(stateOf(yaml(1000), { list }), [{ type: 'RunStarted' }]);
    for (let i = 0; i < 1000; i++)
      state = (await decide(state, ok(`dive[${i}]`, i * 2), { now: 2000, random: () => 0.5 })).state;
    expect(state.steps.each!.output).toEqual(list.map((i) => i * 2));
  });
});

describe('sleep, wait_for_event and sub-workflows', () => {
  it('sleep waits on a timer, the run is `waiting`, then it continues', async () => {
    const { state, commands } = await play(
      stateOf('name: z\nsteps: [ { id: nap, sleep: 10m }, { id: after, agent: x } ]'),
      [{ type: 'RunStarted' }],
    );
    expect(state.status).toBe('waiting');
    expect(commands[0]).toContainEqual({
      type: 'SetTimer',
      timer: { id: 'sleep:nap:1', kind: 'sleep', stepId: 'nap', attempt: 1, at: 1000 + 600_000 },
    });
    const woke = await decide(
      state,
      { type: 'TimerFired', timer: { id: 'sleep:nap:1', kind: 'sleep', stepId: 'nap', attempt: 1, at: 0 } },
      { now: 700_000, random: () => 0 },
    );
    expect(woke.state.status).toBe('running');
    expect(dispatched(woke.commands)).toEqual(['after']);
  });

  it('wait_for_event takes the first matching event, its data is the output; others are ignored', async () => {
    const yaml =
      'name: e\ninputs: { order: { type: string } }\nsteps: [ { id: paid, wait_for_event: { type: payment.succeeded, match: "{{ event.orderId = inputs.order }}", timeout: 1h } } ]';
    const { state, commands } = await play(stateOf(yaml, { order: 'o-1' }), [
      { type: 'RunStarted' },
      { type: 'EventReceived', eventType: 'payment.succeeded', data: { orderId: 'o-2' } },
      { type: 'EventReceived', eventType: 'other', data: { orderId: 'o-1' } },
      { type: 'EventReceived', eventType: 'payment.succeeded', data: { orderId: 'o-1', amount: 5 } },
    ]);
    expect(commands[0]).toContainEqual({ type: 'WaitForEvent', stepId: 'paid', eventType: 'payment.succeeded' });
    expect(commands[1]).toEqual([]);
    expect(commands[2]).toEqual([]);
    expect(state).toMatchObject({ status: 'completed', output: { orderId: 'o-1', amount: 5 } });
    expect(commands[3]).toContainEqual({ type: 'StopWaiting', stepId: 'paid' });
  });

  it('wait_for_event times out into a failure', async () => {
    const { state } = await play(
      stateOf('name: e\nsteps: [ { id: paid, wait_for_event: { type: t, timeout: 1h } } ]'),
      [
        { type: 'RunStarted' },
        {
          type: 'TimerFired',
          timer: { id: 'event_timeout:paid:1', kind: 'event_timeout', stepId: 'paid', attempt: 1, at: 0 },
        },
      ],
    );
    expect(state.error).toMatchObject({ code: 'timeout', stepId: 'paid' });
  });

  it('a workflow step starts a child run and takes its output', async () => {
    const { state, commands } = await play(
      stateOf('name: w\nsteps: [ { id: child, workflow: other, input: { topic: "{{ inputs.t }}" } } ]', { t: 'crm' }),
      [{ type: 'RunStarted' }, ok('child', { done: true })],
    );
    expect(commands[0]).toContainEqual({
      type: 'StartChildRun',
      stepId: 'child',
      attempt: 1,
      workflow: 'other',
      version: undefined,
      input: { topic: 'crm' },
    });
    expect(state.output).toEqual({ done: true });
  });
});

describe('saga and run timeout', () => {
  const yaml = `name: saga
timeout: 1h
steps:
  - { id: book_flight, agent: x, compensate: { agent: x, input: "cancel {{ book_flight.output }}" } }
  - { id: book_hotel, agent: x, compensate: { id: cancel_hotel, agent: x, input: "cancel {{ book_hotel.output }}" } }
  - { id: charge, agent: x }
`;
  it('on failure, compensations run one at a time in reverse order of completion; steps end `compensated`', async () => {
    const { state, commands } = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('book_flight', 'F1'),
      ok('book_hotel', 'H1'),
      fail('charge'),
      ok('cancel_hotel'),
      ok('book_flight_compensate'),
    ]);
    expect(dispatched(commands[3]!)).toEqual(['cancel_hotel']);
    expect(state.steps.cancel_hotel!.input).toBe('cancel H1');
    expect(dispatched(commands[4]!)).toEqual(['book_flight_compensate']);
    expect(state.steps.book_flight_compensate!.input).toBe('cancel F1');
    expect(status(state)).toMatchObject({ book_flight: 'compensated', book_hotel: 'compensated', charge: 'failed' });
    expect(state).toMatchObject({ status: 'failed', error: { stepId: 'charge' } });
    expect(commands[5]!.at(-1)).toMatchObject({ type: 'FailRun' });
  });

  it('a failed compensation is recorded and the next one still runs', async () => {
    const { state } = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('book_flight'),
      ok('book_hotel'),
      fail('charge'),
      fail('cancel_hotel'),
      ok('book_flight_compensate'),
    ]);
    expect(state.steps.book_hotel).toMatchObject({ status: 'succeeded', compensation: 'failed' });
    expect(state.steps.book_flight).toMatchObject({ status: 'compensated', compensation: 'succeeded' });
    expect(state.status).toBe('failed');
  });

  it('the run timeout fails the run (and compensates)', async () => {
    const { state, commands } = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('book_flight'),
      { type: 'TimerFired', timer: { id: 'run_timeout::0', kind: 'run_timeout', stepId: '', attempt: 0, at: 0 } },
    ]);
    expect(commands[0]).toContainEqual({
      type: 'SetTimer',
      timer: { id: 'run_timeout::0', kind: 'run_timeout', stepId: '', attempt: 0, at: 1000 + 3_600_000 },
    });
    expect(state.steps.book_hotel!.status).toBe('cancelled');
    expect(dispatched(commands[2]!)).toEqual(['book_flight_compensate']);
    expect(state.compensating?.error).toMatchObject({ code: 'run_timeout' });
  });
});

describe('limits', () => {
  it('a foreach whose items would exceed the step-instance limit fails with limit_exceeded', async () => {
    const { state } = await play(
      stateOf(
        'name: l\ninputs: { list: { type: array } }\nsteps: [ { id: each, foreach: "{{ inputs.list }}", do: [ { id: a, agent: x }, { id: b, agent: x } ] } ]',
        { list: Array.from({ length: 10_001 }, (_, i) => i) },
      ),
      [{ type: 'RunStarted' }],
    );
    expect(state.error).toMatchObject({ code: 'limit_exceeded', stepId: 'each' });
    expect(state.error!.message).toContain('10001 items would exceed 20000 step instances per run');
  });

  it('a parallel block of more than 1000 children is refused at registration', () => {
    const children = Array.from({ length: 1001 }, (_, i) => ({ id: `c${i}`, agent: 'x' }));
    const result = validateDefinition({ name: 'wide', steps: [{ id: 'p', parallel: children }] });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]).toMatchObject({
        path: 'steps[0].parallel',
        message: expect.stringContaining('at most 1000'),
      });
  });
});

describe('events the run no longer waits for change nothing', () => {
  const sleepy = 'name: z\nsteps: [ { id: nap, sleep: 1h }, { id: after, agent: x } ]';
  const fire = (
    kind: 'sleep' | 'retry' | 'event_timeout' | 'step_timeout' | 'run_timeout',
    stepId: string,
    attempt = 1,
  ): RunEvent => ({ type: 'TimerFired', timer: { id: `${kind}:${stepId}:${attempt}`, kind, stepId, attempt, at: 0 } });

  it.each([
    ['an event nobody waits for', { type: 'EventReceived', eventType: 'nope', data: 1 } as RunEvent],
    ['a retry timer for a waiting step', fire('retry', 'nap')],
    ['an event timeout for a sleeping step', fire('event_timeout', 'after')],
    ['a step timeout for a step not started', fire('step_timeout', 'after')],
    ['a report for a step not started', ok('after')],
    ['a start for a step not started', { type: 'StepStarted', stepId: 'after', attempt: 1 } as RunEvent],
  ])('%s', async (_label, event) => {
    const { state } = await play(stateOf(sleepy), [{ type: 'RunStarted' }]);
    const d = await decide(state, event, { now: 5000, random: () => 0 });
    expect(d.commands).toEqual([]);
    expect(d.state.steps).toEqual(state.steps);
    expect(d.state.status).toBe('waiting');
  });

  it('a run timeout during the saga does not restart it', async () => {
    const yaml = 'name: s\nsteps:\n  - { id: a, agent: x, compensate: { agent: x } }\n  - { id: b, agent: x }\n';
    const { state, commands } = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('a'),
      fail('b'),
      fire('run_timeout', '', 0),
    ]);
    expect(commands[3]).toEqual([]);
    expect(state.compensating?.current).toBe('a');
  });

  it('a run that ended ignores every event', async () => {
    const { state } = await play(stateOf('name: d\nsteps: [ { id: a, agent: x } ]'), [{ type: 'RunStarted' }, ok('a')]);
    for (const event of [
      fire('run_timeout', '', 0),
      { type: 'EventReceived', eventType: 'x', data: 1 } as RunEvent,
      { type: 'RunStarted' } as RunEvent,
    ]) {
      expect(await decide(state, event, { now: 9, random: () => 0 })).toEqual({ state, commands: [] });
    }
  });
});
