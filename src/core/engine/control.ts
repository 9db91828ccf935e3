import { advance } from './advance';
import { endFailed, sagaQueue, stop } from './failure';
import { isRunTerminal, nodeOf } from './instances';
import { own } from './steps';
import { setTimer } from './timers';
import { durationMs } from '../definition/duration';
import type { Clock, Command, RunState } from './types';

/**
 * Pause (CONTRACT.md "Workflow definition"): takes effect between steps. Running attempts finish
 * and are recorded; nothing new starts until resume. A run already ended, or paused, is unchanged.
 */
export function pause(state: RunState): void {
  if (state.status === 'running' || state.status === 'waiting') state.status = 'paused';
}

/** Resume: a paused run goes on from where it stopped, starting what became ready meanwhile (in debug mode: the next step only). */
export async function resume(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  if (state.status !== 'paused') return;
  state.status = 'running';
  if (state.debug) state.debug = { allow: 1 };
  await advance(state, clock, commands);
}

/**
 * Cancel: every unfinished step is cancelled (running attempts' late results are then ignored) and
 * the run ends `cancelled`. With `on_cancel: compensate`, the compensations of the steps that
 * succeeded run first, as after a failure; the run still ends `cancelled`.
 */
export async function cancel(state: RunState, reason: string, clock: Clock, commands: Command[]): Promise<void> {
  if (isRunTerminal(state) || state.compensating) return;
  const error = { code: 'cancelled' as const, message: reason, retryable: false };
  for (const key of Object.keys(state.steps)) if (!nodeOf(state, key).compensates) stop(state, key, clock, commands);
  const queue = state.definition.on_cancel === 'compensate' ? sagaQueue(state) : [];
  state.error = error;
  state.status = 'running';
  state.compensating = { queue, error, endAs: 'cancelled' };
  if (queue.length) await advance(state, clock, commands);
  else endFailed(state, clock, commands);
}

/**
 * Restart from the failed step(s), as a new attempt of the same run: a failed or cancelled run
 * keeps every succeeded step and its output; the steps that failed, were cancelled, skipped or
 * compensated go back to `pending` (their attempt history kept, attempts numbered on) and the
 * run goes on from there. A completed run is not restarted.
 */
export async function restart(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  if (state.status !== 'failed' && state.status !== 'cancelled') return;
  for (const [key, step] of Object.entries(state.steps)) {
    if (step.status === 'succeeded' || nodeOf(state, key).compensates) continue;
    const again = own(state, key);
    for (const field of [
      'output',
      'error',
      'input',
      'startedAt',
      'endedAt',
      'skipReason',
      'handling',
      'votes',
      'compensation',
      'items',
      'started',
      'settledBelow',
      'branch',
    ] as const)
      delete again[field];
    again.status = 'pending';
  }
  for (const [key, step] of Object.entries(state.steps))
    if (step.compensation !== undefined) delete own(state, key).compensation;
  delete state.error;
  delete state.endedAt;
  delete state.compensating;
  state.restarts = (state.restarts ?? 0) + 1;
  state.status = 'running';
  if (state.definition.timeout)
    setTimer(commands, 'run_timeout', '', state.restarts, clock.now + durationMs(state.definition.timeout));
  await advance(state, clock, commands);
}
