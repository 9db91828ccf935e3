import { DEFAULT_RETRY, nextDelay } from '../policy/retry';
import { advance } from './advance';
import { failStep } from './failure';
import { isRunTerminal } from './state';
import { dispatch, makeTimer, stepDefinition, timerId } from './steps';
import type { Clock, Command, Decision, RunEvent, RunState } from './types';

type Handler<E extends RunEvent> = (state: RunState, event: E, clock: Clock, commands: Command[]) => Promise<void> | void;
type Handlers = { [K in RunEvent['type']]: Handler<Extract<RunEvent, { type: K }>> };

/**
 * The engine: given a run's state and one event, returns the next state and the commands to carry
 * out. Pure: no I/O, time and randomness come in `clock`; the input state is not modified.
 * Events for attempts the run no longer waits for (stale, duplicate, or after the run ended) change
 * nothing and produce no commands.
 */
export async function decide(state: RunState, event: RunEvent, clock: Clock): Promise<Decision> {
  if (isRunTerminal(state)) return { state, commands: [] };
  const next = structuredClone(state);
  const commands: Command[] = [];
  const handler = handlers[event.type] as Handler<RunEvent>;
  await handler(next, event, clock, commands);
  return { state: next, commands };
}

/** True when `attempt` of `stepId` is the one in flight. */
function isCurrent(state: RunState, stepId: string, attempt: number): boolean {
  const step = state.steps[stepId];
  return !!step && step.status === 'running' && step.attempt === attempt && step.attempts.at(-1)?.status === 'running';
}

const handlers: Handlers = {
  RunStarted: async (state, _event, clock, commands) => {
    if (state.status !== 'queued') return;
    state.status = 'running';
    state.startedAt = clock.now;
    await advance(state, clock, commands);
  },

  StepStarted: (state, event, clock) => {
    if (!isCurrent(state, event.stepId, event.attempt)) return;
    const step = state.steps[event.stepId]!;
    const attempt = step.attempts.at(-1)!;
    attempt.startedAt ??= clock.now;
    step.startedAt ??= clock.now;
  },

  StepSucceeded: async (state, event, clock, commands) => {
    if (!isCurrent(state, event.stepId, event.attempt)) return;
    const step = state.steps[event.stepId]!;
    const attempt = step.attempts.at(-1)!;
    Object.assign(attempt, { status: 'succeeded', endedAt: clock.now, usage: event.usage, provider: event.provider });
    attempt.startedAt ??= clock.now;
    Object.assign(step, { status: 'succeeded', output: event.output, endedAt: clock.now, error: undefined });
    commands.push({ type: 'CancelTimer', timerId: timerId('step_timeout', event.stepId, event.attempt) });
    await advance(state, clock, commands);
  },

  StepFailed: async (state, event, clock, commands) => {
    if (!isCurrent(state, event.stepId, event.attempt)) return;
    const attempt = state.steps[event.stepId]!.attempts.at(-1)!;
    Object.assign(attempt, { usage: event.usage, provider: event.provider });
    commands.push({ type: 'CancelTimer', timerId: timerId('step_timeout', event.stepId, event.attempt) });
    await attemptFailed(state, event.stepId, event.error, 'failed', clock, commands);
  },

  TimerFired: async (state, { timer }, clock, commands) => {
    if (timer.kind === 'step_timeout') {
      if (!isCurrent(state, timer.stepId, timer.attempt)) return;
      const timeout = state.steps[timer.stepId]!.attempts.at(-1)!;
      const error = { code: 'timeout', message: `attempt ${timer.attempt} timed out after ${clock.now - timeout.dispatchedAt} ms`, retryable: true };
      await attemptFailed(state, timer.stepId, error, 'timed_out', clock, commands);
      return;
    }
    const step = state.steps[timer.stepId];
    if (!step || step.status !== 'running' || step.attempt !== timer.attempt || step.attempts.at(-1)?.status === 'running') return;
    dispatch(state, timer.stepId, clock, commands);
  },
};

async function attemptFailed(
  state: RunState,
  stepId: string,
  error: { code: string; message: string; retryable: boolean; retryAfterMs?: number },
  status: 'failed' | 'timed_out',
  clock: Clock,
  commands: Command[],
): Promise<void> {
  const step = state.steps[stepId]!;
  const attempt = step.attempts.at(-1)!;
  Object.assign(attempt, { status, endedAt: clock.now, error });
  const policy = stepDefinition(state, stepId).retry ?? DEFAULT_RETRY;
  if (error.retryable && step.attempt < policy.max_attempts) {
    const delay = Math.max(nextDelay(policy, step.attempt, clock.random()), error.retryAfterMs ?? 0);
    commands.push({ type: 'SetTimer', timer: makeTimer('retry', stepId, step.attempt, clock.now + delay) });
    return;
  }
  const final = step.attempt > 1 ? { ...error, message: `${error.message} (after ${step.attempt} attempts)` } : error;
  await failStep(state, stepId, final, clock, commands);
}

