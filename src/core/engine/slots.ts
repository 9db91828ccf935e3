import { REDISPATCH_AFTER_MS } from './leaf';
import { dispatchUnit, timeLeftMs } from './loop-units';
import { loopOf, ownLoop } from './loop-state';
import type { LoopUnit } from './loop-types';
import { own } from './steps';
import { setTimer } from './timers';
import type { Clock, Command, RunEvent, RunState } from './types';

// Agents with `max_concurrency`: an attempt (or a looped agent's model turn) whose agent is busy
// waits, durably, for a slot of the agent's AgentSlots object; the step is `waiting` meanwhile
// (reason `agent_busy`) and its timeout keeps running. A tool call is not the agent's call.

type Ev<K extends RunEvent['type']> = Extract<RunEvent, { type: K }>;

/** What names an attempt or a model turn of its loop. */
interface Ref {
  stepId: string;
  attempt: number;
  unit?: LoopUnit;
}

/** The latest model turn of the attempt's loop, when `unit` names it and it is running. */
function latestTurn(state: RunState, { stepId, unit }: Ref) {
  const turn = loopOf(state, stepId)?.turns.at(-1);
  if (!unit || unit.callId !== undefined || turn?.turn !== unit.turn) return undefined;
  return turn.status === 'running' && turn.retryAt === undefined ? turn : undefined;
}

/** True when the attempt is the step's current one and still running (the step `running` or `waiting`). */
function current(state: RunState, { stepId, attempt }: Ref): boolean {
  const step = state.steps[stepId];
  return !!step && step.attempt === attempt && step.attempts.at(-1)?.status === 'running';
}

/**
 * True when the attempt (or its model turn `unit`) waits for an agent slot: deferred with reason
 * `agent_busy`, and still the step's current one. A grant for anything else is stale.
 */
export function waitsForSlot(state: RunState, ref: Ref): boolean {
  if (!current(state, ref)) return false;
  const step = state.steps[ref.stepId]!;
  const last = step.attempts.at(-1)!;
  if (step.status !== 'waiting' || last.waitReason !== 'agent_busy') return false;
  if (!ref.unit) return !last.loop;
  return latestTurn(state, ref)?.startedAt === undefined;
}

/**
 * `StepDeferred`: the executor found the agent busy and did not call it. The step becomes
 * `waiting` (reason on its attempt), the attempt (or turn) unclaimed again; its timeout runs on.
 * @returns whether the state changed (false for a stale or duplicate report).
 */
export function stepDeferred(state: RunState, e: Ev<'StepDeferred'>): boolean {
  if (!current(state, e) || state.steps[e.stepId]!.status !== 'running') return false;
  const last = state.steps[e.stepId]!.attempts.at(-1)!;
  if (e.unit ? !latestTurn(state, e) : !!last.loop) return false;
  const step = own(state, e.stepId);
  step.status = 'waiting';
  const attempt = step.attempts.at(-1)!;
  attempt.waitReason = e.reason;
  // A selection waits for the agent it chose: the attempt goes to that agent once granted.
  if (e.agent) attempt.agent = e.agent;
  if (e.selection) attempt.selection = e.selection;
  if (e.unit) delete ownLoop(state, e.stepId).turns.at(-1)!.startedAt;
  else delete attempt.startedAt;
  return true;
}

/**
 * `SlotGranted`: the slot a deferred attempt waited for is held for it; it runs again (a new
 * dispatch with the time left of its timeout, claimed as any other).
 * @returns whether the state changed (false when the attempt no longer waits: the grant is stale).
 */
export function slotGranted(state: RunState, e: Ev<'SlotGranted'>, clock: Clock, commands: Command[]): boolean {
  if (!waitsForSlot(state, e)) return false;
  const step = own(state, e.stepId);
  step.status = 'running';
  delete step.attempts.at(-1)!.waitReason;
  if (e.unit) {
    dispatchUnit(state, e.stepId, e.attempt, e.unit, clock, commands);
    return true;
  }
  const timeoutMs = timeLeftMs(state, e.stepId, clock);
  commands.push({ type: 'DispatchStep', stepId: e.stepId, attempt: e.attempt, kind: 'agent', timeoutMs });
  if (timeoutMs > REDISPATCH_AFTER_MS)
    setTimer(commands, 'unclaimed', e.stepId, e.attempt, clock.now + REDISPATCH_AFTER_MS);
  return true;
}
