import { ExpressionError, render } from '../expressions';
import { contextOf, nodeOf } from './instances';
import { callOf, loopCurrent, loopOf, ownLoop, turnOf } from './loop-state';
import type { AgentLoop, LoopTool, ToolCallRecord, TurnRecord } from './loop-types';
import { afterCallChange, startCall } from './loop-units';
import type { Clock, Command, RunEvent, RunState } from './types';

/** Approval checkpoints on an agent's tool calls (`needs_approval`). */

type Ev<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** Asks for the approval of one tool call: the call waits; the request goes out like an approval step's. */
export async function requestApproval(
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
