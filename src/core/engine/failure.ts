import type { StepError } from '../../schemas/errors';
import { advance } from './advance';
import { stepDefinition, timerId } from './steps';
import type { Clock, Command, RunState } from './types';

/**
 * Marks a step failed for good (no attempts left, or not retryable) and applies its `on_error`:
 * `continue` lets dependants run, `<stepId>` starts that error handler (the failed step's dependants
 * are skipped), `fail` (default) fails the run.
 */
export async function failStep(state: RunState, stepId: string, error: StepError, clock: Clock, commands: Command[]): Promise<void> {
  const step = state.steps[stepId]!;
  Object.assign(step, { status: 'failed', error, endedAt: clock.now });
  step.startedAt ??= clock.now;
  const onError = stepDefinition(state, stepId).on_error ?? 'fail';
  if (onError === 'continue') return advance(state, clock, commands);
  if (onError !== 'fail') {
    const handler = state.steps[onError];
    if (handler && handler.status === 'pending') {
      handler.handling = stepId;
      return advance(state, clock, commands);
    }
  }
  failRun(state, { ...error, stepId }, clock, commands);
}

/** Ends the run as failed: steps in flight and not yet started are cancelled, their timers dropped. */
export function failRun(state: RunState, error: StepError, clock: Clock, commands: Command[]): void {
  for (const [id, step] of Object.entries(state.steps)) {
    if (step.status === 'running') {
      const attempt = step.attempts.at(-1);
      if (attempt?.status === 'running') Object.assign(attempt, { status: 'cancelled', endedAt: clock.now });
      commands.push({ type: 'CancelTimer', timerId: timerId('step_timeout', id, step.attempt) });
      commands.push({ type: 'CancelTimer', timerId: timerId('retry', id, step.attempt) });
      Object.assign(step, { status: 'cancelled', endedAt: clock.now });
    } else if (step.status === 'pending') {
      step.status = 'cancelled';
    }
  }
  Object.assign(state, { status: 'failed', error, endedAt: clock.now });
  commands.push({ type: 'FailRun', error });
}
