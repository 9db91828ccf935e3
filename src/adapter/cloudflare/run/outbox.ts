import { BatonError } from '../../../core/errors';
import { unreachable } from '../../../core/unreachable';
import type { Command, RunState } from '../../../core/engine/index';
import { database } from '../d1/client';
import { deleteEventWait, insertEventWait } from '../d1/events';
import { mirrorRun } from '../d1/runs';
import type { AppEnv, StepMessage } from '../env';
import type { StepError } from '../../../schemas/errors';
import type { ParentLink } from '../../../ports';
import { startRun } from './run-starter';
import { releaseFlow } from '../flow-chain';
import { carryOutApproval } from '../mail/approval-mail';
import { sendRunReply } from '../mail/mailer';
import { sendProgressEmail } from '../mail/progress-mail';
import { recordRunEnd } from './run-end';
import { queueTraceExport } from '../traces/export';
import type { OutboxCommand } from './outbox-command';
import { refKey } from './attempts';
import type { LoopUnit } from '../../../core/engine/loop-types';
import { delegationDefinition } from '../../../core/definition/delegation';
import { runUsage } from '../../../core/engine/usage';
import { boundToolOutput } from '../../../agents/tools/index';

/** Sub-workflow runs and agent delegations nest at most this deep (an agent that delegates to itself stops here). */
export const MAX_CHILD_DEPTH = 8;

interface Hooks {
  done(seqs: number[]): void;
  parent?: ParentLink;
  /** Reports a child run that could not start as the step's (or the tool call's) failure. */
  childFailed(report: { stepId: string; attempt: number; unit?: LoopUnit; error: StepError }): Promise<void>;
}

type Pending = { seq: number; entry: OutboxCommand }[];
type Of<T extends OutboxCommand['type']> = { seq: number; entry: Extract<OutboxCommand, { type: T }> }[];

/** The outbox sorted into what is carried out together, in this order. */
interface Sorted {
  dispatches: Of<'DispatchStep'>;
  children: Of<'StartChildRun'>;
  waits: Of<'WaitForEvent'>;
  stopWaits: Of<'StopWaiting'>;
  /** In commit order: a round's request comes before its close. */
  approvals: Of<'RequestApproval' | 'CloseApproval' | 'EscalateApproval'>;
  mirrors: Of<'Mirror'>;
  progress: Of<'ProgressEmail'>;
  finishes: Of<'CompleteRun' | 'FailRun' | 'CancelRun'>;
}

function sortOut(pending: Pending): Sorted {
  const sorted: Sorted = {
    dispatches: [],
    children: [],
    waits: [],
    stopWaits: [],
    approvals: [],
    mirrors: [],
    progress: [],
    finishes: [],
  };
  for (const { seq, entry } of pending) {
    switch (entry.type) {
      case 'DispatchStep':
        sorted.dispatches.push({ seq, entry });
        break;
      case 'StartChildRun':
        sorted.children.push({ seq, entry });
        break;
      case 'WaitForEvent':
        sorted.waits.push({ seq, entry });
        break;
      case 'StopWaiting':
        sorted.stopWaits.push({ seq, entry });
        break;
      case 'RequestApproval':
      case 'CloseApproval':
      case 'EscalateApproval':
        sorted.approvals.push({ seq, entry });
        break;
      case 'Mirror':
        sorted.mirrors.push({ seq, entry });
        break;
      case 'ProgressEmail':
        sorted.progress.push({ seq, entry });
        break;
      case 'CompleteRun':
      case 'FailRun':
      case 'CancelRun':
        sorted.finishes.push({ seq, entry });
        break;
      default:
        unreachable(entry, 'outbox command');
    }
  }
  return sorted;
}

/**
 * Carries out a RunObject's outbox: Queue dispatches (batched), child runs, event waits, the D1
 * mirror, progress emails, and on finish the reply email and the parent's report. Each entry is removed once done;
 * everything is idempotent, so a replay after a crash is harmless.
 */
export async function carryOut(
  env: AppEnv,
  tenantId: string,
  state: RunState,
  pending: Pending,
  hooks: Hooks,
): Promise<void> {
  const { dispatches, children, waits, stopWaits, approvals, mirrors, progress, finishes } = sortOut(pending);
  if (dispatches.length) {
    const messages = dispatches.map(({ entry }) => ({
      body: {
        runId: state.runId,
        stepId: entry.stepId,
        attempt: entry.attempt,
        ...(entry.unit ? { unit: entry.unit } : {}),
      } satisfies StepMessage,
      contentType: 'json' as const,
    }));
    for (let i = 0; i < messages.length; i += 100) await env.STEPS.sendBatch(messages.slice(i, i + 100));
    hooks.done(dispatches.map((p) => p.seq));
  }
  for (const { seq, entry } of children) {
    const unit = entry.unit ? `:${entry.unit.turn}:${entry.unit.callId}` : '';
    const depth = (typeof state.trigger.depth === 'number' ? state.trigger.depth : 0) + 1;
    if (depth > MAX_CHILD_DEPTH) {
      hooks.done([seq]);
      await hooks.childFailed({
        stepId: entry.stepId,
        attempt: entry.attempt,
        ...(entry.unit ? { unit: entry.unit } : {}),
        error: {
          code: 'limit_exceeded',
          message: `${entry.agent ? `delegation to ${entry.agent}` : `sub-workflow ${entry.workflow}`}: runs nest at most ${MAX_CHILD_DEPTH} deep`,
          retryable: false,
        },
      });
      continue;
    }
    try {
      await startRun(env, tenantId, {
        workflow: entry.workflow,
        version: entry.version,
        input: (entry.input ?? {}) as Record<string, unknown>,
        trigger: {
          type: 'api',
          parentRunId: state.runId,
          parentStepId: entry.stepId,
          depth,
          ...(entry.agent ? { agent: entry.agent } : {}),
        },
        idempotencyKey: `${state.runId}:${entry.stepId}:${entry.attempt}${unit}`,
        parent: {
          runId: state.runId,
          stepId: entry.stepId,
          attempt: entry.attempt,
          ...(entry.unit ? { unit: entry.unit } : {}),
        },
        ...(entry.agent ? { definition: delegationDefinition(entry.agent) } : {}),
        // A child calls the agent versions its parent pinned, and waits where it waits at the parent's priority.
        ...(state.agents ? { agents: { ...state.agents } } : {}),
        ...(state.priority !== undefined ? { priority: state.priority } : {}),
      });
    } catch (err) {
      if (!(err instanceof BatonError)) throw err;
      hooks.done([seq]);
      await hooks.childFailed({
        stepId: entry.stepId,
        attempt: entry.attempt,
        ...(entry.unit ? { unit: entry.unit } : {}),
        error: { code: err.code, message: `sub-workflow ${entry.workflow}: ${err.message}`, retryable: false },
      });
      continue;
    }
    hooks.done([seq]);
  }
  const db = database(env.DB);
  for (const { seq, entry } of waits) {
    await insertEventWait(db, tenantId, { runId: state.runId, stepId: entry.stepId, eventType: entry.eventType });
    hooks.done([seq]);
  }
  for (const { seq, entry } of stopWaits) {
    await deleteEventWait(db, state.runId, entry.stepId);
    hooks.done([seq]);
  }
  for (const { seq, entry } of approvals) {
    await carryOutApproval(env, tenantId, state, entry);
    hooks.done([seq]);
  }
  if (mirrors.length) {
    await mirrorRun(db, tenantId, state, new Set(mirrors.flatMap((p) => p.entry.steps)));
    hooks.done(mirrors.map((p) => p.seq));
  }
  for (const { seq, entry } of progress) {
    await sendProgressEmail(env, tenantId, state, entry);
    hooks.done([seq]);
  }
  if (finishes.length) {
    // Its flow-control places (concurrency, singleton) go to the next runs; idempotent, so a replay is harmless.
    if (state.flow?.length) await releaseFlow(env, state.flow, state.runId);
    await sendRunReply(env, tenantId, state);
    if (hooks.parent) await reportToParent(env, hooks.parent, state);
    await recordRunEnd(env, tenantId, state);
    await queueTraceExport(env, tenantId, state.runId);
    hooks.done(finishes.map((p) => p.seq));
  }
}

/** Hands a finished sub-workflow's output (or failure) to the parent run's waiting step (or tool call). */
async function reportToParent(env: AppEnv, parent: ParentLink, state: RunState): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(parent.runId));
  if (parent.unit?.callId) {
    const { turn, callId } = parent.unit;
    const error = state.error ?? {
      code: 'child_failed' as const,
      message: 'the child run did not complete',
      retryable: false,
    };
    await stub.report({
      stepId: parent.stepId,
      attempt: parent.attempt,
      unit: parent.unit,
      turn,
      callId,
      outcome:
        state.status === 'completed'
          ? { ok: true, output: boundToolOutput(state.output ?? null), usage: runUsage(state), childRunId: state.runId }
          : {
              ok: false,
              error: {
                ...error,
                message: `${state.workflow} run ${state.runId} ${state.status}: ${error.message}`,
                retryable: false,
              },
              usage: runUsage(state),
              childRunId: state.runId,
            },
    });
    return;
  }
  // The child's spend is the parent step's: it counts in the parent's cost and budget.
  const usage = runUsage(state);
  if (state.status === 'completed') {
    await stub.report({
      stepId: parent.stepId,
      attempt: parent.attempt,
      ok: true,
      output: state.output ?? null,
      provider: 'workflow',
      ...(usage ? { usage } : {}),
    });
  } else {
    const cause = state.error;
    await stub.report({
      stepId: parent.stepId,
      attempt: parent.attempt,
      ok: false,
      provider: 'workflow',
      ...(usage ? { usage } : {}),
      error: {
        code: cause?.code ?? 'child_failed',
        message: `sub-workflow ${state.workflow} run ${state.runId} ${state.status}: ${cause?.message ?? ''}`.trim(),
        retryable: false,
      },
    });
  }
}

/**
 * The outbox of a decision's commands: each command with an effect outside the object, once; the
 * run's end once (without its output, read from the state when carried out). Dispatches taken by
 * the run's lane need no Queue message; timers are stored by the commit itself.
 */
export function outboxOf(commands: Command[], laneKeys: Set<string>): OutboxCommand[] {
  const outbox: OutboxCommand[] = [];
  let finished = false;
  for (const c of commands) {
    switch (c.type) {
      case 'DispatchStep':
        if (!laneKeys.has(refKey(c))) outbox.push(c);
        break;
      case 'StartChildRun':
      case 'WaitForEvent':
      case 'StopWaiting':
      case 'RequestApproval':
      case 'CloseApproval':
      case 'EscalateApproval':
        outbox.push(c);
        break;
      case 'CompleteRun':
      case 'FailRun':
      case 'CancelRun':
        if (!finished) outbox.push(c.type === 'CompleteRun' ? { type: 'CompleteRun', output: undefined } : c);
        finished = true;
        break;
      case 'SetTimer':
      case 'CancelTimer':
        break;
      default:
        unreachable(c, 'command');
    }
  }
  return outbox;
}
