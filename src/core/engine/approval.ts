import type { Decision } from '../../schemas/steps';
import { approvalOf, optionsOf, rerunRange } from '../definition/approvals';
import { durationMs } from '../definition/duration';
import { render } from '../expressions';
import { failStep } from './failure';
import { approvalId, contextOf, nodeOf, parseKey, planOf } from './instances';
import { succeed } from './leaf';
import { own } from './steps';
import { cancelTimer, setTimer } from './timers';
import type { ApprovalStatus, Clock, Command, RunEvent, RunState } from './types';

/** Asks for a decision: the step waits (run `waiting`), the request goes out, the deadline is set. @throws ExpressionError */
export async function startApproval(state: RunState, key: string, clock: Clock, commands: Command[]): Promise<void> {
  const step = own(state, key);
  const node = nodeOf(state, key);
  const spec = approvalOf(planOf(state), node.id)!;
  const rendered = await render(spec.message, contextOf(state, key), `${node.path}.approval.message`, clock);
  const message = typeof rendered === 'string' ? rendered : JSON.stringify(rendered, null, 2);
  const round = step.attempt + 1;
  Object.assign(step, { status: 'waiting', attempt: round, votes: [] });
  step.startedAt ??= clock.now;
  step.attempts.push({ attempt: round, status: 'running', dispatchedAt: clock.now, startedAt: clock.now });
  const deadlineAt = spec.deadline ? clock.now + durationMs(spec.deadline) : null;
  const approval = {
    id: approvalId(state, key, round),
    stepId: key,
    round,
    message,
    assignees: spec.assignees,
    options: optionsOf(spec),
    quorum: spec.quorum,
    deadlineAt,
  };
  step.input = {
    message,
    assignees: spec.assignees,
    options: approval.options,
    quorum: spec.quorum,
    deadline: deadlineAt === null ? null : new Date(deadlineAt).toISOString(),
  };
  commands.push({ type: 'RequestApproval', approval });
  if (deadlineAt !== null) setTimer(commands, 'approval_deadline', key, round, deadlineAt);
  const escalateAt = spec.escalate ? clock.now + durationMs(spec.escalate.after) : null;
  if (escalateAt !== null && (deadlineAt === null || escalateAt < deadlineAt))
    setTimer(commands, 'approval_escalate', key, round, escalateAt);
}

type Decided = Extract<RunEvent, { type: 'ApprovalDecided' }>;

/**
 * Takes a decision on the current round. Assignees vote once each; `approve` completes the step
 * when `quorum` assignees approved, any `reject` rejects it (the step fails with `rejected`), and
 * `request_changes` runs the `on_request_changes` step again, then asks again. A decision by the
 * API (`by: api`) or the deadline (`by: timeout`) is final.
 * @returns true when the decision counted.
 */
export function takeDecision(state: RunState, event: Decided, clock: Clock, commands: Command[]): boolean {
  const step = state.steps[event.stepId];
  const spec = step && approvalOf(planOf(state), parseKey(event.stepId).id);
  if (!step || !spec || step.status !== 'waiting' || step.attempt !== event.attempt) return false;
  const by = event.by.toLowerCase();
  const final = by === 'api' || by === 'timeout';
  if (!final && !spec.assignees.some((a) => a.toLowerCase() === by)) return false;
  if (!final && !optionsOf(spec).includes(event.decision)) return false;
  if (!final && step.votes?.some((v) => v.by === by)) return false;
  const vote = { by, decision: event.decision, ...(event.comment ? { comment: event.comment } : {}), at: clock.now };
  const votes = [...(step.votes ?? []), vote];
  own(state, event.stepId).votes = votes;
  const approvals = votes.filter((v) => v.decision === 'approve').length;
  if (event.decision === 'approve' && !final && approvals < spec.quorum) return true;
  close(state, event.stepId, event.decision, by, event.comment, clock, commands);
  return true;
}

const CLOSED_AS: Record<Decision, ApprovalStatus> = {
  approve: 'approved',
  reject: 'rejected',
  request_changes: 'changes_requested',
};

function close(
  state: RunState,
  key: string,
  decision: Decision,
  by: string,
  comment: string | undefined,
  clock: Clock,
  commands: Command[],
): void {
  const step = own(state, key);
  const round = step.attempt;
  cancelTimer(commands, 'approval_deadline', key, round);
  cancelTimer(commands, 'approval_escalate', key, round);
  commands.push({
    type: 'CloseApproval',
    approvalId: approvalId(state, key, round),
    stepId: key,
    status: CLOSED_AS[decision],
    decidedBy: by,
    ...(comment ? { comment } : {}),
  });
  const output = { decision, comment: comment ?? null, decidedBy: by, decidedAt: new Date(clock.now).toISOString() };
  step.comment = comment ?? ''; // `{{ <id>.comment }}` is the latest decision's
  if (decision === 'approve') {
    succeed(state, key, output, clock);
    return;
  }
  const attempt = step.attempts.at(-1)!;
  if (decision === 'reject') {
    Object.assign(attempt, { status: 'failed', endedAt: clock.now });
    step.output = output;
    failStep(
      state,
      key,
      { code: 'rejected', message: `rejected by ${by}${comment ? `: ${comment}` : ''}`, retryable: false },
      clock,
      commands,
    );
    return;
  }
  Object.assign(attempt, { status: 'succeeded', endedAt: clock.now });
  const { suffix } = parseKey(key);
  for (const id of rerunRange(planOf(state), parseKey(key).id)) {
    const again = own(state, id + suffix);
    for (const field of ['output', 'error', 'input', 'startedAt', 'endedAt', 'votes'] as const) delete again[field];
    again.status = 'pending';
  }
}

/** The deadline passed: `on_timeout` decides, by `timeout`. A due escalation re-notifies. */
export function approvalTimer(
  state: RunState,
  timer: { kind: string; stepId: string; attempt: number },
  clock: Clock,
  commands: Command[],
): boolean {
  const step = state.steps[timer.stepId];
  const spec = step && approvalOf(planOf(state), parseKey(timer.stepId).id);
  if (!step || !spec || step.status !== 'waiting' || step.attempt !== timer.attempt) return false;
  if (timer.kind === 'approval_escalate') {
    if (spec.escalate)
      commands.push({
        type: 'EscalateApproval',
        approvalId: approvalId(state, timer.stepId, timer.attempt),
        stepId: timer.stepId,
        to: spec.escalate.to,
      });
    return false;
  }
  return takeDecision(
    state,
    {
      type: 'ApprovalDecided',
      stepId: timer.stepId,
      attempt: timer.attempt,
      decision: spec.on_timeout,
      by: 'timeout',
      comment: `no decision before the deadline (${spec.deadline})`,
    },
    clock,
    commands,
  );
}
