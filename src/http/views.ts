import type { ApprovalRow } from '../adapter/cloudflare/d1/approvals';
import { agentOf, nodeOf, orderedKeys, stepProgress, type RunState } from '../core/engine';
import type { SharedStep } from '../core/engine/types';
import { runUsage, stepUsage } from '../core/engine/usage';
import { turnViews } from './turn-views';
import { iso } from '../adapter/cloudflare/d1/client';
import type { MessageRow } from '../adapter/cloudflare/d1/messages';
import type { RunRow } from '../adapter/cloudflare/d1/runs';
import { DEFAULT_PRIORITY } from '../schemas/enums';
import type {
  Approval,
  Message,
  MessageDetail,
  Run,
  RunEvaluation,
  RunHead,
  RunSummary,
  StepError,
} from '../schemas/api';
import type { RunScoreRow } from '../adapter/cloudflare/d1/scores';
import { gradeOf, meanScore } from '../core/evaluation';

/**
 * The API's views of runs and messages, typed by the response schemas of `schemas/api.ts` (so tsc
 * checks that what the routes answer is what `/api/openapi.json` declares).
 */

/** A run as CONTRACT.md answers it, from the RunObject's live state. */
export function runView(state: RunState): Run {
  const { done, total } = stepProgress(Object.values(state.steps));
  return {
    id: state.runId,
    workflow: state.workflow,
    version: state.version,
    status: state.status,
    trigger: state.trigger,
    priority: state.priority ?? DEFAULT_PRIORITY,
    input: state.inputs,
    output: state.output ?? null,
    error: state.error ?? null,
    createdAt: iso(state.createdAt),
    startedAt: iso(state.startedAt),
    endedAt: iso(state.endedAt),
    stepsDone: done,
    stepsTotal: total,
    usage: runUsage(state) ?? null,
    ...budgetWaitOf(state),
    steps: orderedKeys(state).map((key) => {
      const step = state.steps[key]!;
      const node = nodeOf(state, key);
      const agent = agentOf(state, key);
      return {
        id: key,
        kind: node.kind,
        ...(agent ? { agent } : {}),
        ...(node.parent ? { parent: node.parent } : {}),
        ...(node.compensates ? { compensates: node.compensates } : {}),
        ...(step.compensation ? { compensation: step.compensation } : {}),
        ...(step.branch ? { branch: step.branch.split(':').pop() } : {}),
        status: step.status,
        attempts: step.attempt,
        startedAt: iso(step.startedAt),
        endedAt: iso(step.endedAt),
        input: step.input ?? null,
        output: step.output ?? null,
        error: step.error ?? null,
        ...(step.skipReason ? { skipReason: step.skipReason } : {}),
        ...waitFields(step),
        ...loopFields(step),
        history: step.attempts.map((a) => ({
          attempt: a.attempt,
          status: a.status,
          dispatchedAt: iso(a.dispatchedAt),
          startedAt: iso(a.startedAt),
          endedAt: iso(a.endedAt),
          error: a.error ?? null,
          usage: a.usage ?? null,
          provider: a.provider ?? null,
          ...(a.agent ? { agent: a.agent } : {}),
          ...(a.selection ? { selection: a.selection } : {}),
        })),
      };
    }),
  };
}

/** A dispatched step that waits (for its agent's slot): why. */
function waitFields(step: SharedStep): Pick<Run['steps'][number], 'waitReason'> {
  const reason = step.status === 'waiting' ? step.attempts.at(-1)?.waitReason : undefined;
  return reason ? { waitReason: reason } : {};
}

/** An agent step's transcript (the latest attempt that looped) and its usage summed over every attempt. */
function loopFields(step: SharedStep): Pick<Run['steps'][number], 'turns' | 'usage'> {
  const looped = [...step.attempts].reverse().find((a) => a.loop);
  const usage = stepUsage(step);
  return { ...(looped?.loop ? { turns: turnViews(looped.loop) } : {}), ...(usage ? { usage } : {}) };
}

/** A run's list entry, from its D1 mirror. */
export function runSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    workflow: row.workflowName,
    version: row.version,
    status: row.status,
    trigger: { type: row.triggerType },
    priority: row.priority,
    ...(row.status === 'queued' && row.queueReason ? { queuedFor: row.queueReason } : {}),
    stepsDone: row.stepsDone,
    stepsTotal: row.stepsTotal,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    // The mirror stores the engine's own run error (StepError) as JSON.
    error: (row.error ?? null) as StepError | null,
  };
}

/** A run without its steps, from its D1 mirror (`GET /api/runs/:id?steps=false`, or before it starts). */
export function runFromRow(row: RunRow): RunHead {
  return { ...runSummary(row), trigger: row.trigger as RunHead['trigger'], input: row.input, output: row.output };
}

/** A recorded email, as `GET /api/messages` lists it. */
export function messageSummary(row: MessageRow): Message {
  return {
    id: row.id,
    direction: row.direction,
    status: row.status,
    reason: row.reason ?? undefined,
    runId: row.runId ?? undefined,
    workflow: row.workflowName ?? undefined,
    from: row.from,
    to: row.to,
    subject: row.subject,
    messageId: row.messageId,
    ...(row.deliveredMessageId ? { deliveredMessageId: row.deliveredMessageId } : {}),
    date: row.date,
    recordedAt: row.createdAt,
  };
}

/** A recorded email with its threading headers and raw source, as `GET /api/runs/:id/messages` answers it. */
export function messageDetail(row: MessageRow): MessageDetail {
  return { ...messageSummary(row), inReplyTo: row.inReplyTo, references: row.references, raw: row.raw };
}

/** A run paused for its budget: `pausedFor: 'budget'` and what waits on which approval. */
function budgetWaitOf(state: RunState): Pick<Run, 'pausedFor' | 'budgetWait'> {
  const wait = state.budget?.waiting;
  if (!wait || state.status !== 'paused') return {};
  const { approvalId, stepId, scope, spentUsd, limitUsd } = wait;
  return { pausedFor: 'budget', budgetWait: { approvalId, stepId, scope, spentUsd, limitUsd } };
}

/** An approval round as the API answers it (CONTRACT.md). */
export function approvalView(row: ApprovalRow): Approval {
  return {
    id: row.id,
    runId: row.runId,
    stepId: row.stepId,
    round: row.round,
    kind: row.kind,
    workflow: row.workflowName,
    message: row.message,
    options: row.options,
    assignees: row.assignees,
    quorum: row.quorum,
    deadline: row.deadline,
    status: row.status,
    decidedBy: row.decidedBy,
    comment: row.comment,
    decidedAt: row.decidedAt,
    createdAt: row.createdAt,
  };
}

/** A completed run's evaluation from its stored scores; null before any scorer has scored. */
export function evaluationView(rows: readonly RunScoreRow[], scorers: number): RunEvaluation | null {
  if (!rows.length) return null;
  const results = rows.map((r) =>
    r.score !== null ? { score: r.score, reasons: r.reasons ?? '' } : { error: r.error ?? '' },
  );
  const score = meanScore(results);
  return {
    score,
    grade: score === null ? null : gradeOf(score),
    complete: rows.length >= scorers,
    scores: rows.map((r) => ({
      scorer: r.scorer,
      score: r.score,
      reasons: r.reasons,
      error: r.error,
      scoredAt: r.scoredAt,
    })),
  };
}
