import type { Step } from '../../schemas/steps';
import { parseAgentRef } from '../../schemas/definition';
import { durationMs } from '../definition/duration';
import { render } from '../expressions';
import { stepTimeoutMs } from './agent-defaults';
import { contextOf, nodeOf } from './instances';
import { own } from './steps';
import { setTimer } from './timers';
import type { Clock, Command, RunState } from './types';

export { DEFAULT_STEP_TIMEOUT_MS } from './agent-defaults';

/**
 * A dispatched attempt that no consumer claimed within this time is sent to the Queue again (the
 * claim makes duplicates harmless): a message lost with a crashed process costs seconds, not the
 * whole step timeout. ms.
 */
export const REDISPATCH_AFTER_MS = 30_000;

/**
 * The leaf part of a step with `{{ }}` rendered (`$now()` & co. read `clock`): what an attempt
 * sends. @throws ExpressionError
 */
export async function renderLeafInput(
  state: RunState,
  key: string,
  step: Step,
  path: string,
  clock: Clock,
): Promise<unknown> {
  const context = contextOf(state, key);
  if ('agent' in step) return render(step.input ?? null, context, `${path}.input`, clock);
  if ('workflow' in step) return render(step.input ?? {}, context, `${path}.input`, clock);
  if ('http' in step) return render(step.http, context, `${path}.http`, clock);
  if ('mcp' in step) return render(step.mcp, context, `${path}.mcp`, clock);
  return null;
}

/** Starts the next attempt of a leaf step whose input is rendered: a Queue dispatch, or a child run. */
export function dispatch(state: RunState, key: string, clock: Clock, commands: Command[]): void {
  const step = own(state, key);
  const def = nodeOf(state, key).step;
  step.status = 'running';
  step.startedAt ??= clock.now;
  step.attempt += 1;
  // Only the latest loop's transcript is kept (a step's storage row is bounded); its usage stays.
  const last = step.attempts.at(-1);
  if (last?.loop) {
    const { loop: _dropped, ...kept } = last;
    step.attempts[step.attempts.length - 1] = kept;
  }
  step.attempts.push({
    attempt: step.attempt,
    status: 'running',
    dispatchedAt: clock.now,
    ...('agent' in def && typeof def.agent === 'string' ? { agent: parseAgentRef(def.agent).name } : {}),
  });
  const timeoutMs = stepTimeoutMs(state, key);
  if ('workflow' in def) {
    commands.push({
      type: 'StartChildRun',
      stepId: key,
      attempt: step.attempt,
      workflow: def.workflow,
      version: def.version,
      input: step.input,
    });
    if (def.timeout) setTimer(commands, 'step_timeout', key, step.attempt, clock.now + timeoutMs);
    return;
  }
  const kind = 'agent' in def ? 'agent' : 'http' in def ? 'http' : 'mcp';
  commands.push({ type: 'DispatchStep', stepId: key, attempt: step.attempt, kind, timeoutMs });
  setTimer(commands, 'step_timeout', key, step.attempt, clock.now + timeoutMs);
  if (timeoutMs > REDISPATCH_AFTER_MS)
    setTimer(commands, 'unclaimed', key, step.attempt, clock.now + REDISPATCH_AFTER_MS);
}

/** Sends an unclaimed attempt to the Queue again, and checks again later. */
export function redispatch(state: RunState, key: string, clock: Clock, commands: Command[]): void {
  const step = state.steps[key]!;
  const def = nodeOf(state, key).step;
  const kind = 'agent' in def ? 'agent' : 'http' in def ? 'http' : 'mcp';
  const timeoutMs = stepTimeoutMs(state, key);
  commands.push({ type: 'DispatchStep', stepId: key, attempt: step.attempt, kind, timeoutMs });
  setTimer(commands, 'unclaimed', key, step.attempt, clock.now + REDISPATCH_AFTER_MS);
}

/** Starts a `sleep:` or `wait_for_event:` step: it waits (status `waiting`) on a timer or an event. */
export function startWaiting(state: RunState, key: string, clock: Clock, commands: Command[]): void {
  const step = own(state, key);
  const def = nodeOf(state, key).step;
  Object.assign(step, { status: 'waiting', startedAt: clock.now, attempt: 1 });
  step.attempts.push({ attempt: 1, status: 'running', dispatchedAt: clock.now, startedAt: clock.now });
  if ('sleep' in def) {
    setTimer(commands, 'sleep', key, 1, clock.now + durationMs(def.sleep));
  } else if ('wait_for_event' in def) {
    commands.push({ type: 'WaitForEvent', stepId: key, eventType: def.wait_for_event.type });
    if (def.wait_for_event.timeout)
      setTimer(commands, 'event_timeout', key, 1, clock.now + durationMs(def.wait_for_event.timeout));
  }
}

/** Marks a step instance succeeded with its output. */
export function succeed(state: RunState, key: string, output: unknown, clock: Clock): void {
  const step = own(state, key);
  const attempt = step.attempts.at(-1);
  if (attempt?.status === 'running') Object.assign(attempt, { status: 'succeeded', endedAt: clock.now });
  Object.assign(step, { status: 'succeeded', output, endedAt: clock.now, error: undefined });
  step.startedAt ??= clock.now;
}
