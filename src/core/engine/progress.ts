/** What a progress count needs of a step: its status (StepStatus) and, when skipped, why. */
export interface ProgressStep {
  status: string;
  skipReason?: string;
}

/** A run's progress: `done` of `total` steps. */
export interface Progress {
  done: number;
  total: number;
}

/**
 * The one progress count of a run (reply footer, D1 mirror, run view, dashboard): `done` is the
 * steps that succeeded, `total` every step that was or is to be run. A skipped step (condition
 * false, branch not taken, upstream failed) is out of the total, so a completed run reads
 * `n / n`. Imports nothing: the dashboard uses it as is.
 */
export function stepProgress(steps: Iterable<ProgressStep>): Progress {
  let done = 0;
  let total = 0;
  for (const step of steps) {
    if (step.status === 'skipped') continue;
    total += 1;
    if (step.status === 'succeeded') done += 1;
  }
  return { done, total };
}
