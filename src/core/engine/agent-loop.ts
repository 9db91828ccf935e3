import type { StepError } from '../../schemas/errors';
import { durationMs } from '../definition/duration';
import { ExpressionError, render } from '../expressions';
import { DEFAULT_RETRY, nextDelay } from '../policy/retry';
import { attemptFailed, failStep } from './failure';
import { contextOf, nodeOf } from './instances';
import { DEFAULT_STEP_TIMEOUT_MS, REDISPATCH_AFTER_MS, succeed } from './leaf';
import { callOf, callSettled, closeToolApprovals, loopOf, loopUsage, markOwned, ownLoop, turnOf } from './loop-state';
import type { AgentLoop, LoopTool, LoopUnit, ToolCallRecord, TurnRecord } from './loop-types';
import { own } from './steps';
import { cancelTimer, setTimer } from './timers';
import type { Clock, Command, RunEvent, RunState, Timer } from './types';

/**
 * The engine's side of an agent loop (DESIGN.md "Agents that act"): from each unit's result it
 * decides the next units — tool calls of a turn in parallel (approval-gated ones wait for their
 * checkpoint), then the next model turn, until the model answers or a limit is hit. Each unit is
 * dispatched with its own idempotency key and retried on its own; the step's `timeout:` bounds
 * the whole loop (the attempt's `step_timeout`).
 */

type Ev<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** True when the attempt is the step's current one and its loop goes on (running, or waiting on approvals). */
export function loopCurrent(state: RunState, key: string, attempt: number): boolean {
  const step = state.steps[key];
  const last = step?.attempts.at(-1);
  if (!step || step.attempt !== attempt || last?.status !== 'running') return false;
  return step.status === 'running' || (step.status === 'waiting' && !!last.loop);
}

/** A claim of a unit: recorded as started. @returns whether it changed the state. */
export function unitStarted(state: RunState, e: Ev<'StepStarted'>, clock: Clock, commands: Command[]): boolean {
  const unit = e.unit!;
  if (!loopCurrent(state, e.stepId, e.attempt)) return false;
  const turn = turnOf(loopOf(state, e.stepId), unit.turn);
  const record = unit.callId ? callOf(turn, unit.callId) : turn;
  if (!record || record.status !== 'running' || record.startedAt !== undefined || record.retryAt !== undefined)
    return false;
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
    return unitFailed(state, key, { turn: e.turn }, outcome.error, clock, commands);
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
  if (reply.usage) turn.usage = reply.usage;
  if (reply.text) turn.text = reply.text;
  if (reply.toolCalls.length) return startToolCalls(state, key, e, clock, commands);
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
  const plain = /^[A-Za-z0-9_-]{1,64}$/.test(id) && !taken.has(id);
  const chosen = plain ? id : `call_${turn}_${index}`;
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
  if (made > loop.settings.maxToolCalls) {
    const error: StepError = {
      code: 'limit_exceeded',
      message: `the agent asked for ${made} tool calls; max_tool_calls is ${loop.settings.maxToolCalls}`,
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

/** Starts (or retries) one tool call: a unit for the executor, or a child run for agent and workflow tools. */
function startCall(
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
function timeLeftMs(state: RunState, key: string, clock: Clock): number {
  const def = nodeOf(state, key).step;
  const budget = def.timeout ? durationMs(def.timeout) : DEFAULT_STEP_TIMEOUT_MS;
  return Math.max(1, state.steps[key]!.attempts.at(-1)!.dispatchedAt + budget - clock.now);
}

function dispatchUnit(
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
function nextTurn(
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
function afterCallChange(state: RunState, key: string, clock: Clock, commands: Command[]): boolean {
  const turn = ownLoop(state, key).turns.at(-1)!;
  if (turn.toolCalls.every(callSettled)) return nextTurn(state, key, clock, commands);
  const step = own(state, key);
  const onlyApprovals = turn.toolCalls.every((c) => callSettled(c) || c.status === 'waiting');
  step.status = onlyApprovals ? 'waiting' : 'running';
  return false;
}

/** A tool call's result: retried per the step's retry policy when retryable, else a result (ok or error) the model reads. */
export function toolCallEnded(state: RunState, e: Ev<'ToolCallEnded'>, clock: Clock, commands: Command[]): boolean {
  const key = e.stepId;
  if (!loopCurrent(state, key, e.attempt)) return false;
  const seen = callOf(turnOf(loopOf(state, key), e.turn), e.callId);
  if (!seen || seen.status !== 'running' || seen.retryAt !== undefined) return false;
  const unit = { turn: e.turn, callId: e.callId };
  cancelTimer(commands, 'unclaimed', key, e.attempt, unit);
  if (!e.outcome.ok && e.outcome.error.retryable) {
    const policy = nodeOf(state, key).step.retry ?? DEFAULT_RETRY;
    if (seen.tries < policy.max_attempts) return unitFailed(state, key, unit, e.outcome.error, clock, commands);
  }
  const call = callOf(ownLoop(state, key).turns.at(-1), e.callId)!;
  const { outcome } = e;
  if (outcome.usage) call.usage = outcome.usage;
  if (outcome.ok)
    Object.assign(call, { status: 'succeeded', output: outcome.output, endedAt: clock.now, error: undefined });
  else Object.assign(call, { status: 'failed', error: outcome.error, endedAt: clock.now });
  call.startedAt ??= clock.now;
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
): boolean {
  const policy = nodeOf(state, key).step.retry ?? DEFAULT_RETRY;
  const turn = ownLoop(state, key).turns.at(-1)!;
  const record = unit.callId ? callOf(turn, unit.callId)! : turn;
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
  if (!record || record.status !== 'running') return false;
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

/** Asks for the approval of one tool call: the call waits; the request goes out like an approval step's. */
async function requestApproval(
  state: RunState,
  key: string,
  attempt: number,
  turn: TurnRecord,
  call: ToolCallRecord,
  tool: LoopTool,
  clock: Clock,
  commands: Command[],
): Promise<void> {
  const spec = tool.approval!;
  const shown = JSON.stringify(call.arguments, null, 2) ?? 'null';
  const agent = nodeOf(state, key).step;
  const fallback = `The agent ${'agent' in agent ? agent.agent : key} wants to call the tool ${call.name} (${tool.kind}) with:\n\n${shown}`;
  let message = fallback;
  if (spec.message) {
    try {
      const context = { ...contextOf(state, key), tool: call.name, args: call.arguments };
      const rendered = await render(spec.message, context, `tools.${call.name}.needs_approval.message`, clock);
      message = typeof rendered === 'string' ? rendered : JSON.stringify(rendered, null, 2);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      message = `${fallback}\n\n(the approval message could not be rendered: ${err.message})`;
    }
  }
  const id = `${state.runId}:${key}:${attempt}:${turn.turn}:${call.id}`;
  Object.assign(call, { status: 'waiting', approval: { id, assignees: spec.assignees, message, status: 'pending' } });
  commands.push({
    type: 'RequestApproval',
    approval: {
      id,
      stepId: key,
      round: attempt,
      message,
      assignees: spec.assignees,
      options: ['approve', 'reject'],
      quorum: 1,
      deadlineAt: null,
      toolCall: { turn: turn.turn, callId: call.id, tool: call.name },
    },
  });
}

/**
 * A decision on a tool call's approval: `approve` runs the call; `reject` makes the call's result
 * say who rejected it and why, so the loop goes on. Assignees, `api` and `timeout` may decide.
 * @returns whether the decision counted.
 */
export function toolApprovalDecided(
  state: RunState,
  e: Ev<'ApprovalDecided'>,
  clock: Clock,
  commands: Command[],
): boolean {
  const unit = e.toolCall!;
  if (!loopCurrent(state, e.stepId, e.attempt) || !unit.callId) return false;
  const seen = callOf(turnOf(loopOf(state, e.stepId), unit.turn), unit.callId);
  if (seen?.status !== 'waiting' || seen.approval?.status !== 'pending') return false;
  if (e.decision !== 'approve' && e.decision !== 'reject') return false;
  const by = e.by.toLowerCase();
  if (by !== 'api' && by !== 'timeout' && !seen.approval.assignees.some((a) => a.toLowerCase() === by)) return false;
  const loop: AgentLoop = ownLoop(state, e.stepId);
  const turn = loop.turns.at(-1)!;
  const call = callOf(turn, unit.callId)!;
  const comment = e.comment?.trim() || undefined;
  const approved = e.decision === 'approve';
  call.approval = {
    ...call.approval!,
    status: approved ? 'approved' : 'rejected',
    decidedBy: by,
    decidedAt: clock.now,
    ...(comment ? { comment } : {}),
  };
  commands.push({
    type: 'CloseApproval',
    approvalId: call.approval.id,
    stepId: e.stepId,
    status: approved ? 'approved' : 'rejected',
    decidedBy: by,
    ...(comment ? { comment } : {}),
  });
  if (approved) startCall(state, e.stepId, e.attempt, turn, call, loop.settings.tools[call.name]!, clock, commands);
  else
    Object.assign(call, {
      status: 'rejected',
      endedAt: clock.now,
      output: `the call was rejected by ${by}${comment ? `: ${comment}` : ''}`,
    });
  afterCallChange(state, e.stepId, clock, commands);
  return true;
}

/** Ends the attempt's loop as failed, for good (a limit, an invalid answer, a unit out of tries). @returns true */
function failAttempt(state: RunState, key: string, error: StepError, clock: Clock, commands: Command[]): true {
  closeToolApprovals(state, key, commands);
  const attempt = own(state, key).attempts.at(-1)!;
  Object.assign(attempt, { status: 'failed', endedAt: clock.now, error });
  if (attempt.loop) attempt.usage = loopUsage(attempt.loop);
  cancelTimer(commands, 'step_timeout', key, attempt.attempt);
  cancelTimer(commands, 'unclaimed', key, attempt.attempt);
  failStep(state, key, error, clock, commands);
  return true;
}
