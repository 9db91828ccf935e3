import type { ProgressEmail } from './run-progress';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  nodeOf,
  stepTimeoutMs,
  type Command,
  type DispatchKind,
  type RunState,
} from '../../../core/engine/index';

/** The D1 mirror of the run and of the step instances a commit changed. */
export interface Mirror {
  type: 'Mirror';
  steps: string[];
}

/**
 * What the RunObject's outbox stores: the engine's own commands that must happen outside the
 * object after a commit (timers are stored by the commit itself), plus the D1 {@link Mirror} and
 * the progress emails of `notify:` ({@link ProgressEmail}).
 * A `CompleteRun` is stored without its output: carrying it out reads the run's state.
 */
export type OutboxCommand = Exclude<Command, { type: 'SetTimer' | 'CancelTimer' }> | Mirror | ProgressEmail;

/** The command an outbox row holds: today's shape as is, a row written before the vocabulary was one translated. */
export function outboxCommandOf(
  stored: { type: string } & Record<string, unknown>,
  state: RunState | undefined,
): OutboxCommand {
  const old = stored as LegacyEntry;
  switch (old.type) {
    case 'Dispatch':
      return { type: 'DispatchStep', stepId: old.stepId, attempt: old.attempt, ...dispatchOf(state, old.stepId) };
    case 'StartChild':
      return { ...old, type: 'StartChildRun' };
    case 'Wait':
      return { type: 'WaitForEvent', stepId: old.stepId, eventType: old.eventType };
    case 'StopWait':
      return { type: 'StopWaiting', stepId: old.stepId };
    case 'Finish':
      return finishOf(state);
    default:
      return stored as unknown as OutboxCommand;
  }
}

/** Outbox rows written before the outbox stored the engine's commands (runs in flight may hold them). */
type LegacyEntry =
  | { type: 'Dispatch'; stepId: string; attempt: number }
  | { type: 'StartChild'; stepId: string; attempt: number; workflow: string; version?: number; input: unknown }
  | { type: 'Wait'; stepId: string; eventType: string }
  | { type: 'StopWait'; stepId: string }
  | { type: 'Finish' }
  | { type: 'other' };

/** The kind and time budget of a step's attempt, as the engine dispatched it. */
function dispatchOf(state: RunState | undefined, stepId: string): { kind: DispatchKind; timeoutMs: number } {
  let node: ReturnType<typeof nodeOf> | undefined;
  try {
    node = state && nodeOf(state, stepId);
  } catch {
    node = undefined; // carrying out a dispatch needs only its step and attempt
  }
  return {
    kind: (node?.kind ?? 'agent') as DispatchKind,
    timeoutMs: node && state ? stepTimeoutMs(state, stepId) : DEFAULT_STEP_TIMEOUT_MS,
  };
}

/** The finishing command of an ended run, from its status. */
function finishOf(state: RunState | undefined): OutboxCommand {
  const error = state?.error ?? { code: 'cancelled', message: 'the run ended', retryable: false };
  if (state?.status === 'completed') return { type: 'CompleteRun', output: undefined };
  return state?.status === 'cancelled' ? { type: 'CancelRun', error } : { type: 'FailRun', error };
}
