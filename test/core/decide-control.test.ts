import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/engine';
import { stateOf } from '../support/definitions';
import { dispatched, ok, play, status } from '../support/play';

const CHAIN = 'name: c\nsteps:\n  - { id: a, agent: x }\n  - { id: b, agent: x }\n';
const pauseE: RunEvent = { type: 'PauseRequested' };
const resumeE: RunEvent = { type: 'ResumeRequested' };
const cancelE: RunEvent = { type: 'CancelRequested', reason: 'stop it' };

describe('pause and resume', () => {
  it('pause lets the running attempt finish but starts nothing; resume starts what became ready', async () => {
    const { state, commands } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, pauseE, ok('a'), resumeE, ok('b')]);
    expect(commands[1]).toEqual([]);
    expect(dispatched(commands[2]!)).toEqual([]);
    expect(dispatched(commands[3]!)).toEqual(['b']);
    expect(state).toMatchObject({ status: 'completed', output: 'B' });
  });

  it('a paused run stays paused after a step finishes; pause and resume of a finished run change nothing', async () => {
    const paused = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, pauseE, ok('a')]);
    expect(paused.state.status).toBe('paused');
    expect(status(paused.state)).toEqual({ a: 'succeeded', b: 'pending' });
    const done = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, ok('a'), ok('b'), pauseE, resumeE]);
    expect(done.state.status).toBe('completed');
    expect(done.commands.slice(3)).toEqual([[], []]);
  });
});

describe('cancel', () => {
  it('cancels unfinished steps, ends the run cancelled, and ignores the late result', async () => {
    const { state, commands } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, cancelE, ok('a')]);
    expect(state).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: 'stop it' } });
    expect(status(state)).toEqual({ a: 'cancelled', b: 'cancelled' });
    expect(state.steps.a!.attempts[0]!.status).toBe('cancelled');
    expect(commands[1]!.map((c) => c.type)).toContain('CancelRun');
    expect(commands[1]!.filter((c) => c.type === 'CancelTimer').length).toBeGreaterThan(0);
    expect(commands[2]).toEqual([]);
  });

  it('a paused run can be cancelled', async () => {
    const { state } = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, pauseE, cancelE]);
    expect(state.status).toBe('cancelled');
  });

  const SAGA =
    'name: s\non_cancel: compensate\nsteps:\n  - { id: book, agent: x, compensate: { id: unbook, agent: x, input: "undo {{ book.output }}" } }\n  - { id: pay, agent: x }\n';
  it('with on_cancel: compensate, the succeeded steps are compensated first; the run ends cancelled', async () => {
    const { state, commands } = await play(stateOf(SAGA), [
      { type: 'RunStarted' },
      ok('book', 'B1'),
      cancelE,
      ok('unbook'),
    ]);
    expect(dispatched(commands[2]!)).toEqual(['unbook']);
    expect(state.steps.unbook!.input).toBe('undo B1');
    expect(status(state)).toMatchObject({ book: 'compensated', pay: 'cancelled', unbook: 'succeeded' });
    expect(state.status).toBe('cancelled');
    expect(commands[3]!.at(-1)).toMatchObject({ type: 'CancelRun' });
  });

  it('without on_cancel, compensations do not run', async () => {
    const { state, commands } = await play(stateOf(SAGA.replace('on_cancel: compensate\n', '')), [
      { type: 'RunStarted' },
      ok('book'),
      cancelE,
    ]);
    expect(dispatched(commands[2]!)).toEqual([]);
    expect(state.status).toBe('cancelled');
    expect(state.steps.book!.status).toBe('succeeded');
  });
});

describe('restart from the failed step', () => {
  const fail = (stepId: string): RunEvent => ({
    type: 'StepFailed',
    stepId,
    attempt: 1,
    error: { code: 'agent_error', message: 'down', retryable: false },
  });
  it('keeps the succeeded steps, re-runs the failed one as attempt 2 and what follows, in the same run', async () => {
    const CHAIN3 =
      'name: c3\nsteps:\n  - { id: a, agent: x }\n  - { id: b, agent: x, input: "{{ a.output }}" }\n  - { id: c, agent: x }\n';
    const failed = await play(stateOf(CHAIN3), [{ type: 'RunStarted' }, ok('a', 'A1'), fail('b')]);
    expect(failed.state).toMatchObject({ status: 'failed', error: { stepId: 'b' } });
    const { state, commands } = await play(failed.state, [{ type: 'RestartRequested' }, ok('b', 'B2', 2), ok('c')]);
    expect(dispatched(commands[0]!)).toEqual(['b']);
    expect(state.steps.b!.input).toBe('A1');
    expect(state.steps.a!.attempts).toHaveLength(1);
    expect(state.steps.b!.attempts.map((a) => a.status)).toEqual(['failed', 'succeeded']);
    expect(state).toMatchObject({ status: 'completed', restarts: 1 });
    expect(state.error).toBeUndefined();
  });

  it('a completed or running run is not restarted', async () => {
    const done = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, ok('a'), ok('b'), { type: 'RestartRequested' }]);
    expect(done.commands[3]).toEqual([]);
    const running = await play(stateOf(CHAIN), [{ type: 'RunStarted' }, { type: 'RestartRequested' }]);
    expect(running.commands[1]).toEqual([]);
  });
});

describe('debug mode', () => {
  it('pauses before every step; each resume starts exactly one', async () => {
    const { state, commands } = await play({ ...stateOf(CHAIN), debug: { allow: 0 } }, [
      { type: 'RunStarted' },
      resumeE,
      ok('a'),
      resumeE,
      ok('b'),
    ]);
    expect(dispatched(commands[0]!)).toEqual([]);
    expect(dispatched(commands[1]!)).toEqual(['a']);
    expect(dispatched(commands[2]!)).toEqual([]);
    expect(dispatched(commands[3]!)).toEqual(['b']);
    expect(state.status).toBe('completed');
    const paused = await play({ ...stateOf(CHAIN), debug: { allow: 0 } }, [{ type: 'RunStarted' }, resumeE, ok('a')]);
    expect(paused.state).toMatchObject({ status: 'paused', steps: { b: { status: 'pending' } } });
  });
});
