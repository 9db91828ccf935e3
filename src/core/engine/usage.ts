import { addUsage, loopUsage } from './loop-state';
import type { RunState, SharedStep, Usage } from './types';

/** Usage and cost of a step instance: every attempt's, a running loop's turns and tool calls included. */
export function stepUsage(step: SharedStep): Usage | undefined {
  let total: Usage | undefined;
  for (const attempt of step.attempts) {
    const own = attempt.status === 'running' && attempt.loop ? loopUsage(attempt.loop) : attempt.usage;
    total = addUsage(total, own);
  }
  return total;
}

/** Usage and cost of a whole run: the sum over its step instances. */
export function runUsage(state: RunState): Usage | undefined {
  let total: Usage | undefined;
  for (const key in state.steps) total = addUsage(total, stepUsage(state.steps[key]!));
  return total;
}
