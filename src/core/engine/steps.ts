import type { Attempt, RunState, SharedStep, StepState } from './types';

/**
 * What a decision's state knows of the one it started from: the state before (until the decision
 * ends), the step instances it took over (a set, and the same keys in the order taken), and the
 * instances changed since advance last examined every pending step (`all`: unknown).
 */
interface DecisionRecord {
  before: RunState | undefined;
  owned: Set<string>;
  order: string[];
  unscanned: Set<string> | 'all';
}

/** The record of each decision's state, by state. */
const records = new WeakMap<RunState, DecisionRecord>();
/** Of a decision's result: the instances changed since advance last examined every pending step. */
const unscannedAfter = new WeakMap<RunState, ReadonlySet<string>>();

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
  const carried = unscannedAfter.get(state);
  // What was changed after that decision ended counts as unscanned too.
  const unscanned = carried ? new Set([...carried, ...(records.get(state)?.order ?? [])]) : 'all';
  records.set(next, { before: state, owned: new Set(), order: [], unscanned });
  return next;
}

/**
 * Ends a decision started by {@link beginDecision}: the state it began from is let go (kept only
 * while the decision runs), and what advance has not examined is carried to the next decision.
 */
export function endDecision(state: RunState): void {
  const record = records.get(state);
  if (!record) return;
  record.before = undefined;
  if (record.unscanned !== 'all') unscannedAfter.set(state, new Set([...record.unscanned, ...record.order]));
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
  const record = records.get(state);
  if (!record || record.owned.has(key)) return step as StepState;
  const attempts = step.attempts.slice() as Attempt[];
  if (attempts.length) attempts[attempts.length - 1] = { ...attempts[attempts.length - 1]! };
  // The one place a shared step becomes changeable: every list a handler changes is a new copy.
  const copy = { ...step, attempts, ...(step.votes ? { votes: step.votes.slice() } : {}) } as StepState;
  (state.steps as Record<string, SharedStep>)[key] = copy;
  taken(record, key);
  return copy;
}

/** Adds or replaces a step instance (a new loop iteration, a list entered again). */
export function putStep(state: RunState, key: string, step: StepState): void {
  (state.steps as Record<string, SharedStep>)[key] = step;
  const record = records.get(state);
  if (record && !record.owned.has(key)) taken(record, key);
}

function taken(record: DecisionRecord, key: string): void {
  record.owned.add(key);
  record.order.push(key);
}

/** Keys of the step instances a decision took over, or undefined for a state no decision started. */
export function ownedSteps(state: RunState): ReadonlySet<string> | undefined {
  return records.get(state)?.owned;
}

/** Keys a decision took over, in the order taken (the list grows as it goes on), or undefined. */
export function takenInOrder(state: RunState): readonly string[] | undefined {
  return records.get(state)?.order;
}

/** The state a running decision began from, or undefined (no decision, or it ended). */
export function stateBefore(state: RunState): RunState | undefined {
  return records.get(state)?.before;
}

/**
 * Instances whose readiness may have changed since advance last examined every pending step of
 * the run: those changed since (this decision's included, as it goes on: read the list again), or
 * `all` when that is unknown (a state loaded or built outside a decision, or a scan cut short).
 */
export function unscannedSteps(state: RunState): { carried: ReadonlySet<string>; taken: readonly string[] } | 'all' {
  const record = records.get(state);
  if (!record || record.unscanned === 'all') return 'all';
  return { carried: record.unscanned, taken: record.order };
}

/**
 * Advance examined every pending step (`complete`), or stopped before it could (paused, failed,
 * compensating): what may be ready is then unknown until a scan completes again.
 */
export function scanned(state: RunState, complete: boolean): void {
  const record = records.get(state);
  if (!record) return;
  // Keys taken before this scan stay in `order`: they are looked at again, which is harmless.
  record.unscanned = complete ? new Set() : 'all';
}
