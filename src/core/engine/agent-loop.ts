import type { StepError } from '../../schemas/errors';
import { nextDelay } from '../policy/retry';
import { retryPolicyOf } from './agent-defaults';
import { attemptFailed } from './failure';
import { succeed } from './leaf';
import { requestApproval } from './loop-approvals';
import { addUsage, callOf, loopCurrent, loopOf, loopUsage, markOwned, ownLoop, turnOf } from './loop-state';
import type { LoopUnit, TurnRecord } from './loop-types';
import { afterCallChange, dispatchUnit, failAttempt, nextTurn, startCall } from './loop-units';
import { own } from './steps';
import { cancelTimer, setTimer } from './timers';
import type { Clock, Command, RunEvent, RunState, Timer, Usage } from './types';

export { loopCurrent } from './loop-state';
export { toolApprovalDecided } from './loop-approvals';

/**
 * The engine's side of an agent loop (DESIGN.md "Agents that act"): from each unit's result it
 * decides the next units — tool calls of a turn in parallel (approval-gated ones wait for their
 * checkpoint), then the next model turn, until the model answers or a limit is hit. Each unit is
 * dispatched with its own idempotency key and retried on its own; the step's `timeout:` bounds
 * the whole loop (the attempt's `step_timeout`).
 */

type Ev<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** A claim of a unit: recorded as started. @returns whether it changed the state. */
export function unitStarted(state: RunState, e: Ev<'StepStarted'>, clock: Clock, commands: Command[]): boolean {
  const unit = e.unit!;
  if (!loopCurrent(state, e.stepId, e.attempt)) return false;
  const turn = turnOf(loopOf(state, e.stepId), unit.turn);
  const record = unit.callId ? callOf(turn, unit.callId) : turn;
  if (record?.status !== 'running' || record.startedAt !== undefined || record.retryAt !== undefined) return false;
  const loop = ownLoop(state, e.stepId);
  const owned = unit.callId ? callOf(loop.turns.at(-1), unit.callId)! : loop.turns.at(-1)!;
  owned.startedAt = clock.now;
  cancelTimer(commands, 'unclaimed', e.stepId, e.attempt, unit);
  return true;
}

/**
 * A model turn's result. Turn 1 is the attempt itself and creates the loop; a failed later turn is
 * retried per the step's retry policy, then fails the step.
 * @returns whether the step ended (the caller advances the run).
 */
export async function turnEnded(
  state: RunState,
  e: Ev<'TurnEnded'>,
  clock: Clock,
  commands: Command[],
): Promise<boolean> {
  const key = e.stepId;
  if (!loopCurrent(state, key, e.attempt)) return false;
  const existing = loopOf(state, key);
  if (e.turn === 1 ? existing !== undefined : !turnOf(existing, e.turn)) return false;
  const open = existing && turnOf(existing, e.turn)!;
  if (open && (open.status !== 'running' || open.retryAt !== undefined)) return false;
  const { outcome } = e;
  if (!outcome.ok) {
    if (!existing) {
      attemptFailed(state, key, outcome.error, clock, commands);
      cancelTimer(commands, 'step_timeout', key, e.attempt);
      cancelTimer(commands, 'unclaimed', key, e.attempt);
      return true;
    }
    return unitFailed(state, key, { turn: e.turn }, outcome.error, clock, commands, outcome.usage);
  }
  const attempt = own(state, key).attempts.at(-1)!;
  if (!existing) {
    const first: TurnRecord = {
      turn: 1,
      status: 'running',
      tries: 1,
      dispatchedAt: attempt.dispatchedAt,
      toolCalls: [],
    };
    if (attempt.startedAt !== undefined) first.startedAt = attempt.startedAt;
    attempt.loop = { settings: outcome.settings, turns: [first] };
    markOwned(attempt);
  }
  const loop = ownLoop(state, key);
  const turn = loop.turns.at(-1)!;
  const { reply } = outcome;
  Object.assign(turn, { status: 'succeeded', endedAt: clock.now, error: undefined });
  turn.startedAt ??= clock.now;
  if (outcome.provider) turn.provider = attempt.provider = outcome.provider;
  if (reply.model) turn.model = reply.model;
  turn.usage = addUsage(turn.usage, reply.usage);
  if (reply.text) turn.text = reply.text;
  if (reply.toolCalls.length) {
    await startToolCalls(state, key, e, clock, commands);
    return overBudget(state, key, clock, commands);
  }
  if (reply.invalid?.length && loop.settings.structured) {
    turn.invalid = reply.invalid;
    const repaired = loop.turns.some((t) => t.repairOf);
    if (repaired || turn.turn >= loop.settings.maxTurns) {
      const paths = reply.invalid.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
      return failAttempt(
        state,
        key,
        {
          code: 'invalid_output',
          message: `the answer does not match output_schema${repaired ? ' after a repair turn' : ''}: ${paths}`.slice(
            0,
            1000,
          ),
          retryable: false,
          details: { issues: reply.invalid },
        },
        clock,
        commands,
      );
    }
    nextTurn(state, key, clock, commands, { repairOf: reply.invalid });
    return false;
  }
  turn.answered = true;
  attempt.usage = loopUsage(loop);
  cancelTimer(commands, 'step_timeout', key, e.attempt);
  cancelTimer(commands, 'unclaimed', key, e.attempt);
  succeed(state, key, reply.output ?? reply.text, clock);
  return true;
}

/** A tool call id the engine can use in keys: the model's when it is short and plain, else a stable one. */
function callIdOf(id: string, turn: number, index: number, taken: Set<string>): string {
  let chosen = /^[A-Za-z0-9_-]{1,64}$/.test(id) && !taken.has(id) ? id : `call_${turn}_${index}`;
  for (let n = 2; taken.has(chosen); n++) chosen = `call_${turn}_${index}_${n}`;
  taken.add(chosen);
  return chosen;
}

/** The model asked for tool calls: each starts (or waits for its approval), within max_tool_calls. */
async function startToolCalls(
  state: RunState,
  key: string,
  e: Ev<'TurnEnded'>,
  clock: Clock,
  commands: Command[],
): Promise<boolean> {
  if (!e.outcome.ok) return false;
  const loop = ownLoop(state, key);
  const turn = loop.turns.at(-1)!;
  const taken = new Set<string>();
  turn.toolCalls = e.outcome.reply.toolCalls.map((c, i) => ({
    id: callIdOf(c.id, turn.turn, i, taken),
    name: c.name,
    kind: loop.settings.tools[c.name]?.kind ?? 'unknown',
    arguments: c.arguments,
    status: 'pending',
    tries: 0,
  }));
  const made = loop.turns.reduce((n, t) => n + t.toolCalls.length, 0);
  const { maxTurns, maxToolCalls } = loop.settings;
  // In the last allowed turn no turn could read the results: the calls are not made at all.
  const last = turn.turn >= maxTurns;
  if (made > maxToolCalls || last) {
    const error: StepError = {
      code: 'limit_exceeded',
      message: last
        ? `the agent asked for tools in its last allowed turn; it did not answer within max_turns (${maxTurns}) model turns`
        : `the agent asked for ${made} tool calls; max_tool_calls is ${maxToolCalls}`,
      retryable: false,
    };
    for (const call of turn.toolCalls) Object.assign(call, { status: 'failed', error });
    return failAttempt(state, key, error, clock, commands);
  }
  for (const call of turn.toolCalls) {
    const tool = loop.settings.tools[call.name];
    if (!tool) {
      const names = Object.keys(loop.settings.tools).join(', ') || 'none';
      Object.assign(call, {
        status: 'failed',
        endedAt: clock.now,
        error: {
          code: 'tool_error',
          message: `there is no tool named '${call.name}'; the tools are: ${names}`,
          retryable: false,
        },
      });
    } else if (tool.approval) await requestApproval(state, key, e.attempt, turn, call, tool, clock, commands);
    else startCall(state, key, e.attempt, turn, call, tool, clock, commands);
  }
  return afterCallChange(state, key, clock, commands);
}

/** A tool call's result: retried per the step's retry policy when retryable, else a result (ok or error) the model reads. */
export function toolCallEnded(state: RunState, e: Ev<'ToolCallEnded'>, clock: Clock, commands: Command[]): boolean {
  const key = e.stepId;
  if (!loopCurrent(state, key, e.attempt)) return false;
  const seen = callOf(turnOf(loopOf(state, key), e.turn), e.callId);
  if (seen?.status !== 'running' || seen.retryAt !== undefined) return false;
  const unit = { turn: e.turn, callId: e.callId };
  cancelTimer(commands, 'unclaimed', key, e.attempt, unit);
  if (!e.outcome.ok && e.outcome.error.retryable) {
    const policy = retryPolicyOf(state, key);
    if (seen.tries < policy.max_attempts)
      return unitFailed(state, key, unit, e.outcome.error, clock, commands, e.outcome.usage);
  }
  const call = callOf(ownLoop(state, key).turns.at(-1), e.callId)!;
  const { outcome } = e;
  call.usage = addUsage(call.usage, outcome.usage);
  if (outcome.childRunId) call.childRunId = outcome.childRunId;
  if (outcome.ok)
    Object.assign(call, { status: 'succeeded', output: outcome.output, endedAt: clock.now, error: undefined });
  else Object.assign(call, { status: 'failed', error: outcome.error, endedAt: clock.now });
  call.startedAt ??= clock.now;
  if (overBudget(state, key, clock, commands)) return true;
  return afterCallChange(state, key, clock, commands);
}

/** A unit failed with a retryable error and has tries left: it waits for its retry timer; else the step fails. */
function unitFailed(
  state: RunState,
  key: string,
  unit: LoopUnit,
  error: StepError,
  clock: Clock,
  commands: Command[],
  usage?: Usage,
): boolean {
  const policy = retryPolicyOf(state, key);
  const turn = ownLoop(state, key).turns.at(-1)!;
  const record = unit.callId ? callOf(turn, unit.callId)! : turn;
  // A failed try may have been paid for: its usage counts.
  record.usage = addUsage(record.usage, usage);
  if (error.retryable && record.tries < policy.max_attempts) {
    const at = clock.now + Math.max(nextDelay(policy, record.tries, clock.random()), error.retryAfterMs ?? 0);
    Object.assign(record, { retryAt: at, error });
    setTimer(commands, 'retry', key, state.steps[key]!.attempt, at, unit);
    return false;
  }
  Object.assign(record, { status: 'failed', endedAt: clock.now, error });
  const tries = record.tries > 1 ? ` (after ${record.tries} tries)` : '';
  return failAttempt(
    state,
    key,
    { ...error, message: `turn ${unit.turn}: ${error.message}${tries}`, retryable: false },
    clock,
    commands,
  );
}

/** A unit's retry or unclaimed timer. @returns whether it changed the state. */
export function unitTimer(state: RunState, timer: Timer, clock: Clock, commands: Command[]): boolean {
  const unit = timer.unit!;
  if (!loopCurrent(state, timer.stepId, timer.attempt)) return false;
  const loop = loopOf(state, timer.stepId);
  const turn = turnOf(loop, unit.turn);
  const record = unit.callId ? callOf(turn, unit.callId) : turn;
  if (record?.status !== 'running') return false;
  if (timer.kind === 'unclaimed') {
    if (record.startedAt !== undefined || record.retryAt !== undefined) return false;
    dispatchUnit(state, timer.stepId, timer.attempt, unit, clock, commands);
    return true;
  }
  if (timer.kind !== 'retry' || record.retryAt === undefined) return false;
  const owned = ownLoop(state, timer.stepId).turns.at(-1)!;
  if (unit.callId) {
    const call = callOf(owned, unit.callId)!;
    startCall(state, timer.stepId, timer.attempt, owned, call, loop!.settings.tools[call.name]!, clock, commands);
  } else {
    Object.assign(owned, { tries: owned.tries + 1, dispatchedAt: clock.now });
    delete owned.startedAt;
    delete owned.retryAt;
    dispatchUnit(state, timer.stepId, timer.attempt, unit, clock, commands);
  }
  return true;
}

/**
 * Most characters of JSON one loop's transcript may take: it lives in the step's storage row (at
 * most 2 MB, text may take 3 bytes a character), so a loop whose tools answer a lot stops here.
 */
export const MAX_TRANSCRIPT_CHARS = 600_000;

/** Fails the attempt with `limit_exceeded` when its transcript outgrew {@link MAX_TRANSCRIPT_CHARS}. @returns whether it did. */
function overBudget(state: RunState, key: string, clock: Clock, commands: Command[]): boolean {
  const loop = loopOf(state, key);
  if (!loop || state.steps[key]!.attempts.at(-1)!.status !== 'running') return false;
  const size = JSON.stringify(loop.turns).length;
  if (size <= MAX_TRANSCRIPT_CHARS) return false;
  return failAttempt(
    state,
    key,
    {
      code: 'limit_exceeded',
      message: `the agent's transcript grew to ${size} characters; at most ${MAX_TRANSCRIPT_CHARS} are kept per attempt`,
      retryable: false,
    },
    clock,
    commands,
  );
}
