import type { Attempt, RunState, SharedStep, StepState } from './types';

/** The step instances each decision's state has taken over (copied), by state. */
const ownedBy = new WeakMap<RunState, Set<string>>();

/**
 * Starts a decision: a state that may be changed while `state` stays as it was. Step instances
 * are shared until {@link own} copies the ones the decision changes, so a decision costs what it
 * changes, not the size of the run; values handlers only ever replace (definition, inputs,
 * outputs, foreach items) are shared for good.
 */
export function beginDecision(state: RunState): RunState {
  const compensating = state.compensating ? { ...state.compensating, queue: [...state.compensating.queue] } : undefined;
  // A for-in copy: V8 copies a table of a thousand keys about twice as fast this way as by spread.
  const steps: Record<string, SharedStep> = {};
  for (const key in state.steps) steps[key] = state.steps[key]!;
  const next: RunState = { ...state, steps, ...(compensating ? { compensating } : {}) };
  ownedBy.set(next, new Set());
  return next;
}

/**
 * The decision's own copy of a step instance, to change in place: copied on first use, with its
 * attempts and votes lists and its last attempt (handlers change only the last one, or push).
 * A state no decision started (a new run being built) owns its steps already.
 * @throws TypeError when the state has no step `key`.
 */
export function own(state: RunState, key: string): StepState {
  const step = state.steps[key];
  if (!step) throw new TypeError(`no step instance ${key}`);
  const owned = ownedBy.get(state);
  if (!owned || owned.has(key)) return step as StepState;
  const attempts = step.attempts.slice() as Attempt[];
  if (attempts.length) attempts[attempts.length - 1] = { ...attempts[attempts.length - 1]! };
  // The one place a shared step becomes changeable: every list a handler changes is a new copy.
  const copy = { ...step, attempts, ...(step.votes ? { votes: step.votes.slice() } : {}) } as StepState;
  (state.steps as Record<string, SharedStep>)[key] = copy;
  owned.add(key);
  return copy;
}

/** Adds or replaces a step instance (a new loop iteration, a list entered again). */
export function putStep(state: RunState, key: string, step: StepState): void {
  (state.steps as Record<string, SharedStep>)[key] = step;
  ownedBy.get(state)?.add(key);
}

/** Keys of the step instances a decision took over, or undefined for a state no decision started. */
export function ownedSteps(state: RunState): ReadonlySet<string> | undefined {
  return ownedBy.get(state);
}
