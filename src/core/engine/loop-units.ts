import type { StepError } from '../../schemas/errors';
import { failStep } from './failure';
import { REDISPATCH_AFTER_MS } from './leaf';
import { stepTimeoutMs } from './agent-defaults';
import { callSettled, closeToolApprovals, loopUsage, ownLoop } from './loop-state';
import type { LoopTool, LoopUnit, ToolCallRecord, TurnRecord } from './loop-types';
import { own } from './steps';
import { cancelTimer, setTimer } from './timers';
import type { Clock, Command, RunState } from './types';

/** The building blocks of an agent loop's decisions: starting units, the next turn, ending the loop. */

/** Starts (or retries) one tool call: a unit for the executor, or a child run for agent and workflow tools. */
export function startCall(
  state: RunState,
  key: string,
  attempt: number,
  turn: TurnRecord,
  call: ToolCallRecord,
  tool: LoopTool,
  clock: Clock,
  commands: Command[],
): void {
  Object.assign(call, { status: 'running', tries: call.tries + 1, dispatchedAt: clock.now });
  delete call.startedAt;
  delete call.retryAt;
  const unit: LoopUnit = { turn: turn.turn, callId: call.id };
  if (tool.kind === 'agent' || tool.kind === 'workflow') {
    call.startedAt = clock.now; // a child run starts when the outbox carries it out; no claim follows
    const args = call.arguments;
    const input =
      tool.kind === 'agent'
        ? { input: args && typeof args === 'object' && 'input' in args ? (args as { input: unknown }).input : args }
        : args && typeof args === 'object' && !Array.isArray(args)
          ? args
          : {};
    commands.push({
      type: 'StartChildRun',
      stepId: key,
      attempt,
      unit,
      workflow: tool.kind === 'agent' ? `agent-${tool.target}` : tool.target!,
      ...(tool.version ? { version: tool.version } : {}),
      ...(tool.kind === 'agent' ? { agent: tool.target } : {}),
      input,
    });
    return;
  }
  dispatchUnit(state, key, attempt, unit, clock, commands);
}

/** The time left of the attempt's (the whole loop's) timeout, ms. */
export function timeLeftMs(state: RunState, key: string, clock: Clock): number {
  const budget = stepTimeoutMs(state, key);
  return Math.max(1, state.steps[key]!.attempts.at(-1)!.dispatchedAt + budget - clock.now);
}

export function dispatchUnit(
  state: RunState,
  key: string,
  attempt: number,
  unit: LoopUnit,
  clock: Clock,
  commands: Command[],
) {
  const timeoutMs = timeLeftMs(state, key, clock);
  commands.push({ type: 'DispatchStep', stepId: key, attempt, kind: 'agent', timeoutMs, unit });
  if (timeoutMs > REDISPATCH_AFTER_MS)
    setTimer(commands, 'unclaimed', key, attempt, clock.now + REDISPATCH_AFTER_MS, unit);
}

/** Dispatches the next model turn, within max_turns. */
export function nextTurn(
  state: RunState,
  key: string,
  clock: Clock,
  commands: Command[],
  extra: Partial<TurnRecord> = {},
): boolean {
  const loop = ownLoop(state, key);
  const attempt = state.steps[key]!.attempt;
  const number = loop.turns.at(-1)!.turn + 1;
  if (number > loop.settings.maxTurns)
    return failAttempt(
      state,
      key,
      {
        code: 'limit_exceeded',
        message: `the agent did not answer within max_turns (${loop.settings.maxTurns}) model turns`,
        retryable: false,
      },
      clock,
      commands,
    );
  loop.turns.push({ turn: number, status: 'running', tries: 1, dispatchedAt: clock.now, toolCalls: [], ...extra });
  own(state, key).status = 'running';
  dispatchUnit(state, key, attempt, { turn: number }, clock, commands);
  return false;
}

/** After a tool call changed: the next turn once every call has its result; the step waits while only approvals are open. */
export function afterCallChange(state: RunState, key: string, clock: Clock, commands: Command[]): boolean {
  const turn = ownLoop(state, key).turns.at(-1)!;
  if (turn.toolCalls.every(callSettled)) return nextTurn(state, key, clock, commands);
  const step = own(state, key);
  const onlyApprovals = turn.toolCalls.every((c) => callSettled(c) || c.status === 'waiting');
  step.status = onlyApprovals ? 'waiting' : 'running';
  return false;
}

/** Ends the attempt's loop as failed, for good (a limit, an invalid answer, a unit out of tries). @returns true */
export function failAttempt(state: RunState, key: string, error: StepError, clock: Clock, commands: Command[]): true {
  closeToolApprovals(state, key, commands);
  const attempt = own(state, key).attempts.at(-1)!;
  Object.assign(attempt, { status: 'failed', endedAt: clock.now, error });
  if (attempt.loop) attempt.usage = loopUsage(attempt.loop);
  cancelTimer(commands, 'step_timeout', key, attempt.attempt);
  cancelTimer(commands, 'unclaimed', key, attempt.attempt);
  failStep(state, key, error, clock, commands);
  return true;
}
