import type { AgentLoop, LoopUnit, ToolCallRecord, TurnRecord } from './loop-types';
import { own } from './steps';
import type { Attempt, Command, RunState, Usage } from './types';

/** The loop of a step instance's current attempt, or undefined when it did not loop. */
export function loopOf(state: RunState, key: string): AgentLoop | undefined {
  return state.steps[key]?.attempts.at(-1)?.loop;
}

/** The attempts whose loop this decision copied already (an attempt copy is new in each decision). */
const copied = new WeakSet<Attempt>();

/**
 * The decision's own copy of the current attempt's loop, to change in place: the turns list and
 * its last turn (the only one that changes) with its tool calls are copied once per decision.
 * @throws TypeError when the attempt has no loop.
 */
export function ownLoop(state: RunState, key: string): AgentLoop {
  const attempt = own(state, key).attempts.at(-1)!;
  if (!attempt.loop) throw new TypeError(`step ${key} has no agent loop`);
  if (!copied.has(attempt)) {
    const turns = attempt.loop.turns.slice();
    const last = turns.at(-1);
    if (last) turns[turns.length - 1] = { ...last, toolCalls: last.toolCalls.map((c) => ({ ...c })) };
    attempt.loop = { ...attempt.loop, turns };
    copied.add(attempt);
  }
  return attempt.loop;
}

/** Marks a loop created in this decision as the decision's own. */
export function markOwned(attempt: Attempt): void {
  copied.add(attempt);
}

/** The last turn of a loop when it is turn `turn`. */
export function turnOf(loop: AgentLoop | undefined, turn: number): TurnRecord | undefined {
  const last = loop?.turns.at(-1);
  return last?.turn === turn ? last : undefined;
}

/** A tool call of a turn by its id. */
export function callOf(turn: TurnRecord | undefined, callId: string): ToolCallRecord | undefined {
  return turn?.toolCalls.find((c) => c.id === callId);
}

/** Whether a tool call has its result (the model may read it). */
export function callSettled(call: ToolCallRecord): boolean {
  return call.status === 'succeeded' || call.status === 'failed' || call.status === 'rejected';
}

/** Sum of usage and cost, keeping a field undefined when no part reported it. */
export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a) return b;
  if (!b) return a;
  const sum = (x?: number, y?: number) => (x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0));
  const out: Usage = {};
  const input = sum(a.inputTokens, b.inputTokens);
  const output = sum(a.outputTokens, b.outputTokens);
  const cost = sum(a.costUsd, b.costUsd);
  if (input !== undefined) out.inputTokens = input;
  if (output !== undefined) out.outputTokens = output;
  if (cost !== undefined) out.costUsd = cost;
  return out;
}

/** Usage and cost of a whole loop: every model turn and every tool call that reported some. */
export function loopUsage(loop: AgentLoop): Usage | undefined {
  let total: Usage | undefined;
  for (const turn of loop.turns) {
    total = addUsage(total, turn.usage);
    for (const call of turn.toolCalls) total = addUsage(total, call.usage);
  }
  return total;
}

/** The unit key of a tool call or a model turn, as timers and idempotency keys spell it. */
export function unitName(unit: LoopUnit): string {
  return `${unit.turn}:${unit.callId ?? 'model'}`;
}

/**
 * Closes the approvals still pending in the current attempt's loop (the attempt ended: failed,
 * timed out, cancelled): their requests are withdrawn as `cancelled`.
 */
export function closeToolApprovals(state: RunState, key: string, commands: Command[]): void {
  const turn = loopOf(state, key)?.turns.at(-1);
  if (!turn?.toolCalls.some((c) => c.approval?.status === 'pending')) return;
  for (const call of ownLoop(state, key).turns.at(-1)!.toolCalls) {
    if (call.approval?.status !== 'pending') continue;
    commands.push({ type: 'CloseApproval', approvalId: call.approval.id, stepId: key, status: 'cancelled' });
    call.approval = { ...call.approval, status: 'rejected', decidedBy: 'system', comment: 'the attempt ended' };
  }
}

/** True when the attempt is the step's current one and its loop goes on (running, or waiting on approvals). */
export function loopCurrent(state: RunState, key: string, attempt: number): boolean {
  const step = state.steps[key];
  const last = step?.attempts.at(-1);
  if (!step || step.attempt !== attempt || last?.status !== 'running') return false;
  return step.status === 'running' || (step.status === 'waiting' && !!last.loop);
}
