import type { RunStatus } from '../../schemas/enums';
import { stepUsage } from '../engine/usage';
import type { RunState } from '../engine/types';

/**
 * The analytics rollup of one ended run (issue 20: analytics), written once when the run ends
 * (again if it is restarted and ends again). Queries aggregate these rows, never the attempts.
 * Times are epoch ms, cost USD.
 */
export interface RunFact {
  runId: string;
  workflow: string;
  version: number;
  status: RunStatus;
  triggerType: string;
  createdAt: number;
  endedAt: number;
  /** From start to end, ms; null for a run that never started. */
  durationMs: number | null;
  /** Attempts after the first, summed over the run's step instances. */
  retries: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Approval rounds asked (steps, tool calls, budget). */
  approvals: number;
  /** Rounds decided, and the time from asking to deciding summed over them, ms. */
  decided: number;
  decideMs: number;
}

/** The rollup of one step instance that ran (had an attempt) in an ended run. */
export interface StepFact {
  runId: string;
  /** When the run ended (epoch ms): step facts are bucketed by their run's end. */
  endedAt: number;
  /** The step's id in the definition: foreach indexes (`[2]`) are taken off the instance key. */
  step: string;
  /** The agent that served its last attempt; null for other steps. */
  agent: string | null;
  status: string;
  durationMs: number | null;
  attempts: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** An approval round of the run as D1 recorded it (epoch ms). */
export interface ApprovalTimes {
  createdAt: number;
  decidedAt: number | null;
}

/** At most this many step facts are kept per run (a wide foreach keeps its first ones). */
export const MAX_STEP_FACTS_PER_RUN = 500;

/** The step id of an instance key: `dive[2].fetch[0]`-style indexes removed. */
export function stepIdOf(instanceKey: string): string {
  return instanceKey.replace(/\[\d+\]/g, '');
}

/**
 * Rolls an ended run up into its run fact and step facts.
 * @param approvals the run's approval rounds; @param endedAt used when the state has none (epoch ms).
 */
export function runFacts(
  state: RunState,
  approvals: readonly ApprovalTimes[],
  endedAt: number,
): { run: RunFact; steps: StepFact[] } {
  const steps: StepFact[] = [];
  const end = state.endedAt ?? endedAt;
  let retries = 0;
  let costUsd = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  for (const key of Object.keys(state.steps)) {
    const step = state.steps[key]!;
    if (step.attempts.length === 0) continue; // skipped, pending, or cancelled before it ran
    const usage = stepUsage(step);
    const attempts = step.attempts.length;
    retries += Math.max(0, attempts - 1);
    costUsd += usage?.costUsd ?? 0;
    inputTokens += usage?.inputTokens ?? 0;
    outputTokens += usage?.outputTokens ?? 0;
    if (steps.length >= MAX_STEP_FACTS_PER_RUN) continue;
    const last = step.attempts[attempts - 1];
    steps.push({
      runId: state.runId,
      endedAt: end,
      step: stepIdOf(key),
      agent: last?.agent ?? null,
      status: step.status,
      durationMs:
        step.startedAt !== undefined && step.endedAt !== undefined ? Math.max(0, step.endedAt - step.startedAt) : null,
      attempts,
      costUsd: usage?.costUsd ?? 0,
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? 0,
    });
  }
  const decided = approvals.filter((a) => a.decidedAt !== null);
  return {
    run: {
      runId: state.runId,
      workflow: state.workflow,
      version: state.version,
      status: state.status,
      triggerType: state.trigger.type,
      createdAt: state.createdAt,
      endedAt: end,
      durationMs: state.startedAt !== undefined ? Math.max(0, end - state.startedAt) : null,
      retries,
      costUsd,
      inputTokens,
      outputTokens,
      approvals: approvals.length,
      decided: decided.length,
      decideMs: decided.reduce((sum, a) => sum + Math.max(0, a.decidedAt! - a.createdAt), 0),
    },
    steps,
  };
}
