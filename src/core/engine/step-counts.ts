import { stateBefore, takenInOrder } from './steps';
import type { RunState, StepState } from './types';

/** How many step instances of a run have each status (StepStatus → count). */
export type StatusCounts = ReadonlyMap<StepState['status'], number>;

/** Counts of decision results, kept while nothing changes them (a later `own` starts a recount). */
const memo = new WeakMap<RunState, { counts: StatusCounts; taken: number }>();

/**
 * Step instances by status. A decision's state is counted from the state it began from and the
 * instances it took over, so a count costs what the decision changed; other states are counted
 * step by step.
 */
export function statusCounts(state: RunState): StatusCounts {
  const taken = takenInOrder(state);
  const known = memo.get(state);
  if (known && known.taken === (taken?.length ?? 0)) return known.counts;
  const before = stateBefore(state);
  if (!taken || !before) return countAll(state);
  const counts = new Map(statusCounts(before));
  const bump = (status: StepState['status'] | undefined, by: number) => {
    if (status !== undefined) counts.set(status, (counts.get(status) ?? 0) + by);
  };
  for (const key of taken) {
    bump(before.steps[key]?.status, -1);
    bump(state.steps[key]?.status, 1);
  }
  return counts;
}

/** Keeps a finished decision's counts (its starting state is let go): call before it ends. */
export function keepCounts(state: RunState): void {
  if (stateBefore(state)) memo.set(state, { counts: statusCounts(state), taken: takenInOrder(state)?.length ?? 0 });
}

function countAll(state: RunState): StatusCounts {
  const counts = new Map<StepState['status'], number>();
  for (const key in state.steps) {
    const status = state.steps[key]!.status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  // A state no decision started may still be changed in place: only decision results are kept.
  return counts;
}
