import { ExpressionError } from '../expressions';
import { isTerminal, parseKey, planOf } from './instances';
import { dispatch, renderLeafInput } from './leaf';
import { endFailed, failStep } from './failure';
import { own, putStep } from './steps';
import type { Clock, Command, RunState } from './types';

/**
 * Runs the saga after a failure: one compensation at a time, in reverse order of completion. A
 * compensated step ends `compensated`; a compensation that fails is recorded on its step
 * (`compensation: failed`) and the next one still runs. @returns true when something changed.
 */
export async function advanceCompensation(state: RunState, clock: Clock, commands: Command[]): Promise<boolean> {
  const saga = state.compensating!;
  const plan = planOf(state);
  if (saga.current) {
    const { id, suffix } = parseKey(saga.current);
    const comp = state.steps[plan.compensation.get(id)! + suffix]!;
    if (!isTerminal(comp)) return false;
    const original = own(state, saga.current);
    original.compensation = comp.status === 'succeeded' ? 'succeeded' : 'failed';
    if (comp.status === 'succeeded') original.status = 'compensated';
    delete saga.current;
  }
  const next = saga.queue.shift();
  if (!next) {
    endFailed(state, clock, commands);
    return true;
  }
  saga.current = next;
  const { id, suffix } = parseKey(next);
  const compId = plan.compensation.get(id)!;
  const compKey = compId + suffix;
  if (!state.steps[compKey]) putStep(state, compKey, { status: 'pending', attempt: 0, attempts: [] });
  const node = plan.byId.get(compId)!;
  try {
    const input = await renderLeafInput(state, compKey, node.step, node.path, clock);
    own(state, compKey).input = input;
    dispatch(state, compKey, clock, commands);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    failStep(state, compKey, { code: 'expression_error', message: err.message, retryable: false }, clock, commands);
  }
  return true;
}
