import { advance } from './advance';
import { endFailed, sagaQueue, stop } from './failure';
import { isRunTerminal, nodeOf } from './instances';
import type { Clock, Command, RunState } from './types';

/**
 * Pause (CONTRACT.md "Workflow definition"): takes effect between steps. Running attempts finish
 * and are recorded; nothing new starts until resume. A run already ended, or paused, is unchanged.
 */
export function pause(state: RunState): void {
  if (state.status === 'running' || state.status === 'waiting') state.status = 'paused';
}

/** Resume: a paused run goes on from where it stopped, starting what became ready meanwhile. */
export async function resume(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  if (state.status !== 'paused') return;
  state.status = 'running';
  await advance(state, clock, commands);
}

/**
 * Cancel: every unfinished step is cancelled (running attempts' late results are then ignored) and
 * the run ends `cancelled`. With `on_cancel: compensate`, the compensations of the steps that
 * succeeded run first, as after a failure; the run still ends `cancelled`.
 */
export async function cancel(state: RunState, reason: string, clock: Clock, commands: Command[]): Promise<void> {
  if (isRunTerminal(state) || state.compensating) return;
  const error = { code: 'cancelled', message: reason, retryable: false };
  for (const key of Object.keys(state.steps)) if (!nodeOf(state, key).compensates) stop(state, key, clock, commands);
  const queue = state.definition.on_cancel === 'compensate' ? sagaQueue(state) : [];
  state.error = error;
  state.status = 'running';
  state.compensating = { queue, error, endAs: 'cancelled' };
  if (queue.length) await advance(state, clock, commands);
  else endFailed(state, clock, commands);
}
