import { durationMs } from '../definition/duration';
import type { Clock, Command, RunState, Timer } from './types';

/** Default per-attempt timeout when a step sets none: 10 minutes. */
export const DEFAULT_STEP_TIMEOUT_MS = 600_000;

/** Starts the next attempt of a step whose input is already rendered. */
export function dispatch(state: RunState, stepId: string, clock: Clock, commands: Command[]): void {
  const step = state.steps[stepId]!;
  const def = stepDefinition(state, stepId);
  step.status = 'running';
  step.attempt += 1;
  step.attempts.push({ attempt: step.attempt, status: 'running', dispatchedAt: clock.now });
  const timeoutMs = def.timeout ? durationMs(def.timeout) : DEFAULT_STEP_TIMEOUT_MS;
  commands.push({ type: 'DispatchStep', stepId, attempt: step.attempt, agent: def.agent, timeoutMs });
  commands.push({ type: 'SetTimer', timer: makeTimer('step_timeout', stepId, step.attempt, clock.now + timeoutMs) });
}

/** The definition of a step of the run. @throws Error when the id is not in the workflow (a bug). */
export function stepDefinition(state: RunState, stepId: string) {
  const def = state.definition.steps.find((s) => s.id === stepId);
  if (!def) throw new Error(`step '${stepId}' is not in workflow ${state.workflow} v${state.version}`);
  return def;
}

/** Stable id of a timer, so setting it twice replaces it and cancelling needs no lookup. */
export function timerId(kind: Timer['kind'], stepId: string, attempt: number): string {
  return `${kind}:${stepId}:${attempt}`;
}

export function makeTimer(kind: Timer['kind'], stepId: string, attempt: number, at: number): Timer {
  return { id: timerId(kind, stepId, attempt), kind, stepId, attempt, at };
}
