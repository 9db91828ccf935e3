import { BatonError } from '../core/errors';
import type { Command, RunState } from '../core/engine';
import { database } from '../db/client';
import { deleteEventWait, insertEventWait } from '../db/events';
import { mirrorRun } from '../db/runs';
import type { AppEnv, StepMessage } from '../env';
import type { StepError } from '../schemas/errors';
import { startRun, type ParentLink } from '../triggers/start-run';
import { carryOutApproval } from './approval-mail';
import { sendRunReply } from './mailer';
import type { OutboxEntry } from './run-store';

interface Hooks {
  done(seqs: number[]): void;
  parent?: ParentLink;
  /** Reports a child run that could not start as the step's failure. */
  childFailed(report: { stepId: string; attempt: number; error: StepError }): Promise<void>;
}

type Pending = { seq: number; entry: OutboxEntry }[];
const of = <T extends OutboxEntry['type']>(pending: Pending, type: T) => pending.filter((p) => p.entry.type === type) as { seq: number; entry: Extract<OutboxEntry, { type: T }> }[];

/**
 * Carries out a RunObject's outbox: Queue dispatches (batched), child runs, event waits, the D1
 * mirror, and on finish the reply email and the parent's report. Each entry is removed once done;
 * everything is idempotent, so a replay after a crash is harmless.
 */
export async function carryOut(env: AppEnv, tenantId: string, state: RunState, pending: Pending, hooks: Hooks): Promise<void> {
  const dispatches = of(pending, 'Dispatch');
  if (dispatches.length) {
    const messages = dispatches.map(({ entry }) => ({ body: { runId: state.runId, stepId: entry.stepId, attempt: entry.attempt } satisfies StepMessage, contentType: 'json' as const }));
    for (let i = 0; i < messages.length; i += 100) await env.STEPS.sendBatch(messages.slice(i, i + 100));
    hooks.done(dispatches.map((p) => p.seq));
  }
  for (const { seq, entry } of of(pending, 'StartChild')) {
    try {
      await startRun(env, tenantId, {
        workflow: entry.workflow, version: entry.version, input: (entry.input ?? {}) as Record<string, unknown>,
        trigger: { type: 'api', parentRunId: state.runId, parentStepId: entry.stepId },
        idempotencyKey: `${state.runId}:${entry.stepId}:${entry.attempt}`,
        parent: { runId: state.runId, stepId: entry.stepId, attempt: entry.attempt },
      });
    } catch (err) {
      if (!(err instanceof BatonError)) throw err;
      hooks.done([seq]);
      await hooks.childFailed({ stepId: entry.stepId, attempt: entry.attempt, error: { code: err.code, message: `sub-workflow ${entry.workflow}: ${err.message}`, retryable: false } });
      continue;
    }
    hooks.done([seq]);
  }
  const db = database(env.DB);
  for (const { seq, entry } of of(pending, 'Wait')) {
    await insertEventWait(db, tenantId, { runId: state.runId, stepId: entry.stepId, eventType: entry.eventType });
    hooks.done([seq]);
  }
  for (const { seq, entry } of of(pending, 'StopWait')) {
    await deleteEventWait(db, state.runId, entry.stepId);
    hooks.done([seq]);
  }
  for (const p of pending) {
    const { entry } = p;
    if (entry.type !== 'RequestApproval' && entry.type !== 'CloseApproval' && entry.type !== 'EscalateApproval') continue;
    await carryOutApproval(env, tenantId, state, entry);
    hooks.done([p.seq]);
  }
  const mirrors = of(pending, 'Mirror');
  if (mirrors.length) {
    await mirrorRun(db, tenantId, state, new Set(mirrors.flatMap((p) => p.entry.steps)));
    hooks.done(mirrors.map((p) => p.seq));
  }
  const finishes = of(pending, 'Finish');
  if (finishes.length) {
    await sendRunReply(env, tenantId, state);
    if (hooks.parent) await reportToParent(env, hooks.parent, state);
    hooks.done(finishes.map((p) => p.seq));
  }
}

/** Hands a finished sub-workflow's output (or failure) to the parent run's waiting step. */
async function reportToParent(env: AppEnv, parent: ParentLink, state: RunState): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(parent.runId));
  if (state.status === 'completed') {
    await stub.report({ stepId: parent.stepId, attempt: parent.attempt, ok: true, output: state.output ?? null, provider: 'workflow' });
  } else {
    const cause = state.error;
    await stub.report({ stepId: parent.stepId, attempt: parent.attempt, ok: false, provider: 'workflow', error: { code: cause?.code ?? 'child_failed', message: `sub-workflow ${state.workflow} run ${state.runId} ${state.status}: ${cause?.message ?? ''}`.trim(), retryable: false } });
  }
}

/** The outbox entries of commands; dispatches taken by the run's lane need no Queue message. */
export function outboxOf(commands: Command[], laneKeys: Set<string>): OutboxEntry[] {
  const outbox: OutboxEntry[] = [];
  for (const c of commands) {
    if (c.type === 'DispatchStep' && !laneKeys.has(`${c.stepId}#${c.attempt}`)) outbox.push({ type: 'Dispatch', stepId: c.stepId, attempt: c.attempt });
    else if (c.type === 'StartChildRun') outbox.push({ type: 'StartChild', stepId: c.stepId, attempt: c.attempt, workflow: c.workflow, version: c.version, input: c.input });
    else if (c.type === 'WaitForEvent') outbox.push({ type: 'Wait', stepId: c.stepId, eventType: c.eventType });
    else if (c.type === 'StopWaiting') outbox.push({ type: 'StopWait', stepId: c.stepId });
    else if (c.type === 'RequestApproval' || c.type === 'CloseApproval' || c.type === 'EscalateApproval') outbox.push(c);
  }
  if (commands.some((c) => c.type === 'CompleteRun' || c.type === 'FailRun' || c.type === 'CancelRun')) outbox.push({ type: 'Finish' });
  return outbox;
}
