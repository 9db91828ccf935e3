import type { StepError } from '../../schemas/errors';
import { approvalId, isTerminal, nodeOf, parentKey, parseKey, planOf } from './instances';
import { own } from './steps';
import { cancelTimer, setTimer } from './timers';
import { nextDelay } from '../policy/retry';
import { retryPolicyOf } from './agent-defaults';
import { fallbackAfter } from './selection';
import { closeToolApprovals, loopUsage } from './loop-state';
import type { Clock, Command, RunState } from './types';

/**
 * Marks a step instance failed for good and applies its `on_error`: `continue` lets dependants
 * run; `<stepId>` starts that error handler (the failed step's dependants are skipped); `fail`
 * (default) fails the enclosing block — or the run at the top level. A parallel block decides by its
 * `wait_for` whether a child's failure fails it (see `advance`).
 */
export function failStep(state: RunState, key: string, error: StepError, clock: Clock, commands: Command[]): void {
  const step = own(state, key);
  Object.assign(step, { status: 'failed', error, endedAt: clock.now });
  step.startedAt ??= clock.now;
  const node = nodeOf(state, key);
  if (node.compensates) return; // compensation runs best effort; advance moves on to the next one
  const onError = node.step.on_error ?? 'fail';
  if (onError === 'continue') return;
  if (onError !== 'fail') {
    const handlerKey = onError + parseKey(key).suffix;
    if (state.steps[handlerKey]?.status === 'pending') {
      own(state, handlerKey).handling = key;
      return;
    }
  }
  const parent = parentKey(state, key);
  if (!parent) {
    failRun(state, { ...error, stepId: key }, clock, commands);
    return;
  }
  if (nodeOf(state, parent).kind === 'parallel') return;
  cancelSubtree(state, parent, clock, commands);
  failStep(state, parent, { code: error.code, message: `${key}: ${error.message}`, retryable: false }, clock, commands);
}

/** Stops one instance: cancels its attempt, timers and event wait. */
export function stop(state: RunState, key: string, clock: Clock, commands: Command[]): void {
  if (isTerminal(state.steps[key]!)) return;
  const step = own(state, key);
  const node = nodeOf(state, key);
  if (step.status === 'running' || step.status === 'waiting') {
    closeToolApprovals(state, key, commands);
    const attempt = step.attempts.at(-1);
    if (attempt?.status === 'running') Object.assign(attempt, { status: 'cancelled', endedAt: clock.now });
    for (const kind of [
      'step_timeout',
      'unclaimed',
      'retry',
      'sleep',
      'event_timeout',
      'approval_deadline',
      'approval_escalate',
    ] as const)
      cancelTimer(commands, kind, key, step.attempt);
    if (node.kind === 'wait_for_event') commands.push({ type: 'StopWaiting', stepId: key });
    if (node.kind === 'approval')
      commands.push({
        type: 'CloseApproval',
        approvalId: approvalId(state, key, step.attempt),
        stepId: key,
        status: 'cancelled',
      });
  }
  Object.assign(step, { status: 'cancelled', endedAt: step.startedAt !== undefined ? clock.now : step.endedAt });
}

/** Cancels every unfinished instance nested under a block instance (not the block itself). */
export function cancelSubtree(state: RunState, blockKey: string, clock: Clock, commands: Command[]): void {
  const { id: blockId, suffix } = parseKey(blockKey);
  const plan = planOf(state);
  for (const key of Object.keys(state.steps)) {
    const parsed = parseKey(key);
    if (!parsed.suffix.startsWith(suffix)) continue;
    for (let p = plan.byId.get(parsed.id)?.parent ?? null; p; p = plan.byId.get(p)?.parent ?? null) {
      if (p === blockId) {
        stop(state, key, clock, commands);
        break;
      }
    }
  }
}

/**
 * Fails the run: everything unfinished is cancelled; then, if steps with `compensate:` succeeded,
 * their compensations run one by one, newest completion first (saga), before the run ends `failed`.
 */
export function failRun(state: RunState, error: StepError, clock: Clock, commands: Command[]): void {
  if (state.compensating) return;
  for (const key of Object.keys(state.steps)) if (!nodeOf(state, key).compensates) stop(state, key, clock, commands);
  const queue = sagaQueue(state);
  state.error = error;
  if (queue.length) {
    state.compensating = { queue, error };
    return;
  }
  endFailed(state, clock, commands);
}

/** Ends the run as failed with the error recorded by `failRun` (or cancelled, after a cancel's saga). */
export function endFailed(state: RunState, clock: Clock, commands: Command[]): void {
  const error = state.compensating?.error ?? state.error!;
  const cancelled = state.compensating?.endAs === 'cancelled';
  delete state.compensating;
  Object.assign(state, { status: cancelled ? 'cancelled' : 'failed', error, endedAt: clock.now });
  commands.push(cancelled ? { type: 'CancelRun', error } : { type: 'FailRun', error });
}

/** The saga of the instances that succeeded and have `compensate:`: newest completion first. */
export function sagaQueue(state: RunState): string[] {
  const compensation = planOf(state).compensation;
  return Object.entries(state.steps)
    .filter(([key, step]) => step.status === 'succeeded' && compensation.has(parseKey(key).id))
    .sort(([ka, a], [kb, b]) => (b.endedAt ?? 0) - (a.endedAt ?? 0) || kb.localeCompare(ka))
    .map(([key]) => key);
}

/**
 * An attempt failed: retry with backoff when allowed, else fail the step for good. A timeout is a
 * failure like any other (status `failed`, code `timeout`), whether the step's timer fired or the
 * executor gave up first.
 */
export function attemptFailed(state: RunState, key: string, error: StepError, clock: Clock, commands: Command[]): void {
  closeToolApprovals(state, key, commands);
  const step = own(state, key);
  const last = step.attempts.at(-1)!;
  Object.assign(last, { status: 'failed', endedAt: clock.now, error });
  if (last.loop) last.usage = loopUsage(last.loop);
  const fallback = fallbackAfter(state, key, error);
  if (fallback.kind === 'none') {
    failStep(state, key, fallback.error, clock, commands);
    return;
  }
  const policy = retryPolicyOf(state, key);
  const again =
    fallback.kind === 'next' ||
    fallback.kind === 'same' ||
    (fallback.kind === 'plain' && error.retryable && step.attempt < policy.max_attempts);
  if (again) {
    step.status = 'running'; // an agent loop may have been waiting on a tool approval
    // The next candidate is called at once; the same agent again after its backoff.
    const delay =
      fallback.kind === 'next'
        ? 0
        : Math.max(
            nextDelay(policy, attemptsOf(step, last.agent, fallback.kind), clock.random()),
            error.retryAfterMs ?? 0,
          );
    setTimer(commands, 'retry', key, step.attempt, clock.now + delay);
    return;
  }
  const final = step.attempt > 1 ? { ...error, message: `${error.message} (after ${step.attempt} attempts)` } : error;
  failStep(state, key, final, clock, commands);
}

/** The attempt number the backoff counts from: the step's, or (for a selecting step) its agent's own attempts. */
function attemptsOf(
  step: { attempt: number; attempts: readonly { agent?: string }[] },
  agent: string | undefined,
  kind: string,
): number {
  return kind === 'same' ? step.attempts.filter((a) => a.agent === agent).length : step.attempt;
}
