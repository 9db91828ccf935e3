import { decide, type Command, type RunEvent, type RunState } from '../../src/core/engine';

/**
 * Freezes a state through and through, so a decision that changes it in place (instead of its own
 * copy, see engine/steps.ts) throws in the tests.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Plays events on frozen states, 100 ms apart from `start` (epoch ms); returns the final state, each decision's commands and the last one's. */
export async function play(state: RunState, events: RunEvent[], start = 1000) {
  const all: Command[][] = [];
  let now = start;
  for (const event of events) {
    const d = await decide(deepFreeze(state), event, { now, random: () => 0.5 });
    state = d.state;
    all.push(d.commands);
    now += 100;
  }
  return { state, commands: all, last: all.at(-1)! };
}

export const ok = (stepId: string, output: unknown = stepId.toUpperCase(), attempt = 1): RunEvent => ({
  type: 'StepSucceeded',
  stepId,
  attempt,
  output,
});
export const fail = (stepId: string, attempt = 1): RunEvent => ({
  type: 'StepFailed',
  stepId,
  attempt,
  error: { code: 'agent_error', message: `${stepId} broke`, retryable: false },
});
export const dispatched = (commands: Command[]) =>
  commands.filter((c) => c.type === 'DispatchStep').map((c) => (c as { stepId: string }).stepId);
export const status = (state: RunState) =>
  Object.fromEntries(Object.entries(state.steps).map(([k, s]) => [k, s.status]));
