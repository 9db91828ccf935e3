import type { LoopUnit } from './loop-types';
import type { Command, Timer } from './types';

/** Stable id of a timer, so setting it twice replaces it and cancelling needs no lookup. */
export function timerId(kind: Timer['kind'], stepId: string, attempt: number, unit?: LoopUnit): string {
  const base = `${kind}:${stepId}:${attempt}`;
  return unit ? `${base}:${unit.turn}:${unit.callId ?? 'model'}` : base;
}

export function setTimer(
  commands: Command[],
  kind: Timer['kind'],
  stepId: string,
  attempt: number,
  at: number,
  unit?: LoopUnit,
): void {
  const timer: Timer = {
    id: timerId(kind, stepId, attempt, unit),
    kind,
    stepId,
    attempt,
    at,
    ...(unit ? { unit } : {}),
  };
  commands.push({ type: 'SetTimer', timer });
}

export function cancelTimer(
  commands: Command[],
  kind: Timer['kind'],
  stepId: string,
  attempt: number,
  unit?: LoopUnit,
): void {
  commands.push({ type: 'CancelTimer', timerId: timerId(kind, stepId, attempt, unit) });
}
