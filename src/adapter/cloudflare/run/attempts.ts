import type { DispatchKind, RunState, Usage } from '../../../core/engine/index';
import type { StepError } from '../../../schemas/errors';

// What travels between a run's RunObject and whoever executes its attempts (the Queue consumer,
// the object's own chain runner, a child run): the claim of an attempt and the report of its outcome.

/** One attempt of a step instance, as Queue messages and reports name it. */
export interface AttemptRef {
  stepId: string;
  attempt: number;
}

/** What a consumer gets when it claims an attempt: everything needed to execute it. */
export interface Claim extends AttemptRef {
  tenantId: string;
  workflow: string;
  kind: DispatchKind;
  /** The agent's name, for `agent` steps. */
  agent: string | null;
  /** The rendered input: the agent input, or the `http:` / `mcp:` block. */
  input: unknown;
  /** Time left before the attempt's timeout, ms. */
  timeoutMs: number;
}

/** What a consumer (or a child run) reports after an attempt. */
export type Report =
  | (AttemptRef & { ok: true; output: unknown; usage?: Usage; provider?: string })
  | (AttemptRef & { ok: false; error: StepError; usage?: Usage; provider?: string });

/** True when the attempt is the step's current one and still in flight (claimed or not). */
export function inFlight(state: RunState, { stepId, attempt }: AttemptRef): boolean {
  const step = state.steps[stepId];
  return !!step && step.status === 'running' && step.attempt === attempt && step.attempts.at(-1)?.status === 'running';
}

/** True when the attempt is the step's current one, in flight and not yet claimed. */
export function claimable(state: RunState, { stepId, attempt }: AttemptRef): boolean {
  return inFlight(state, { stepId, attempt }) && state.steps[stepId]!.attempts.at(-1)!.startedAt === undefined;
}
