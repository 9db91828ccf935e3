import type { Command, Timer } from './types';

/** Stable id of a timer, so setting it twice replaces it and cancelling needs no lookup. */
export function timerId(kind: Timer['kind'], stepId: string, attempt: number): string {
  return `${kind}:${stepId}:${attempt}`;
}

export function setTimer(commands: Command[], kind: Timer['kind'], stepId: string, attempt: number, at: number): void {
  commands.push({ type: 'SetTimer', timer: { id: timerId(kind, stepId, attempt), kind, stepId, attempt, at } });
}

export function cancelTimer(commands: Command[], kind: Timer['kind'], stepId: string, attempt: number): void {
  commands.push({ type: 'CancelTimer', timerId: timerId(kind, stepId, attempt) });
}
