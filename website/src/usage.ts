import type { Run, Step, Usage } from './types';

/**
 * Sums usages field by field: a field is in the sum when at least one usage has it (so "no cost
 * reported" stays unknown rather than `$0`). Null when no usage has any field.
 */
export function sumUsage(usages: readonly (Usage | null | undefined)[]): Usage | null {
  const sum: Usage = {};
  for (const usage of usages) {
    if (!usage) continue;
    for (const key of ['inputTokens', 'outputTokens', 'costUsd'] as const) {
      const value = usage[key];
      if (typeof value === 'number' && Number.isFinite(value)) sum[key] = (sum[key] ?? 0) + value;
    }
  }
  return Object.keys(sum).length ? sum : null;
}

/**
 * A step's usage and cost: the server's total (`step.usage`: every attempt, turn and tool call)
 * when it sends one, else the sum of its attempts' usage.
 */
export function stepUsage(step: Step): Usage | null {
  if (step.usage !== undefined) return step.usage;
  return sumUsage(step.history.map((a) => a.usage));
}

/** A run's usage and cost: the server's total (`run.usage`) when it sends one, else the sum over its steps. */
export function runUsage(run: Run): Usage | null {
  if (run.usage !== undefined) return run.usage;
  return sumUsage(run.steps.map(stepUsage));
}
