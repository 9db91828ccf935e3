import { z } from 'zod';
import { AttemptStatus, RunPriority, RunStatus, SkipReason, StepStatus, TriggerType, WaitReason } from '../enums';
import { QueueReason } from '../flow';
import { orNull, Iso, IsoOrNull, StepError, Usage, Trigger } from './common';
import { STEP_KINDS } from '../steps';

/* Runs, their steps and attempts. */

/** One attempt of a step. */
/** How a step that selects its agent by skill chose an attempt's agent. */
export const AgentSelectionView = z
  .object({
    agent: z.string(),
    reason: z.string().describe('Why, in words: the preference, the figure, candidates skipped or spent'),
    candidates: z.array(z.string()).describe('Every candidate at the time, best first'),
  })
  .openapi('AgentSelection');

export const Attempt = z
  .object({
    attempt: z.number().int(),
    status: AttemptStatus,
    dispatchedAt: IsoOrNull,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    error: orNull(StepError),
    usage: orNull(Usage),
    provider: z.string().nullable(),
    agent: z.string().optional().describe('Agent steps: the agent that served the attempt'),
    selection: AgentSelectionView.optional().describe('A step that selects by skill: how the agent was chosen'),
  })
  .openapi('Attempt');
export type Attempt = z.infer<typeof Attempt>;

/** The approval checkpoint of a tool call (`needs_approval`). */
export const ToolCallApprovalView = z
  .object({
    id: z.string(),
    assignees: z.array(z.string()),
    message: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    decidedBy: z.string().nullable(),
    comment: z.string().nullable(),
    decidedAt: IsoOrNull,
  })
  .openapi('ToolCallApproval');

/** One tool call of a model turn: what the model asked for and what came of it. */
export const ToolCallView = z
  .object({
    id: z.string().describe('The call id the model gave'),
    tool: z.string(),
    kind: z.enum(['mcp', 'http', 'agent', 'workflow', 'unknown']),
    arguments: z.unknown(),
    status: z.enum(['pending', 'waiting', 'running', 'succeeded', 'failed', 'rejected']),
    tries: z.number().int(),
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    output: z.unknown().describe('The result the model read'),
    error: orNull(StepError),
    usage: orNull(Usage),
    approval: orNull(ToolCallApprovalView),
    childRunId: z.string().nullable().describe('For agent and workflow tools: the child run'),
  })
  .openapi('ToolCall');
export type ToolCallView = z.infer<typeof ToolCallView>;

/** One model turn of an agent loop. */
export const TurnView = z
  .object({
    turn: z.number().int().describe('1-based'),
    status: z.enum(['running', 'succeeded', 'failed']),
    tries: z.number().int(),
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    provider: z.string().nullable(),
    model: z.string().nullable(),
    usage: orNull(Usage),
    text: z.string().nullable().describe('What the model said in this turn'),
    toolCalls: z.array(ToolCallView),
    repairOf: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .nullable()
      .describe('A repair turn: the output-schema issues it was asked to fix'),
    invalid: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .nullable()
      .describe("Output-schema issues of this turn's answer"),
    answered: z.boolean().describe('This turn gave the step its answer'),
    error: orNull(StepError),
  })
  .openapi('Turn');
export type TurnView = z.infer<typeof TurnView>;

/** One step instance of a run (`dive[2]` inside a foreach). */
export const Step = z
  .object({
    id: z.string(),
    kind: z.enum(STEP_KINDS),
    agent: z.string().optional(),
    parent: z.string().optional(),
    compensates: z.string().optional().describe('For a compensation step: the step it undoes'),
    compensation: z
      .enum(['succeeded', 'failed'])
      .optional()
      .describe('For a step with `compensate:`: how its compensation ended'),
    branch: z.string().optional().describe('switch: the chosen case'),
    status: StepStatus,
    attempts: z.number().int(),
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    input: z.unknown(),
    output: z.unknown(),
    error: orNull(StepError),
    skipReason: SkipReason.optional(),
    waitReason: WaitReason.optional().describe(
      'A `waiting` step that was dispatched: why it waits (`agent_busy`: its agent has max_concurrency calls in flight)',
    ),
    history: z.array(Attempt),
    turns: z
      .array(TurnView)
      .optional()
      .describe("Agent steps that looped: the current attempt's model turns and tool calls (the transcript)"),
    usage: orNull(Usage)
      .optional()
      .describe('Agent steps: usage and cost summed over every attempt, turn and tool call'),
  })
  .openapi('Step');
export type Step = z.infer<typeof Step>;

/** A run's list entry (`GET /api/runs`), from the D1 index. */
export const RunSummary = z
  .object({
    id: z.string(),
    workflow: z.string(),
    version: z.number().int(),
    status: RunStatus,
    trigger: z.object({ type: TriggerType }),
    priority: RunPriority.describe('1 (lowest) to 10: where its attempts wait for a busy agent, higher go first'),
    queuedFor: QueueReason.optional().describe(
      'A queued run waiting for a flow-control gate: `concurrency` (a slot) or `throttle` (its turn)',
    ),
    queuePosition: z
      .number()
      .int()
      .optional()
      .describe(
        '`GET /api/runs/{id}` of a run waiting for a concurrency slot: its place in the waiting list (1 = next)',
      ),
    stepsDone: z.number().int(),
    stepsTotal: z.number().int(),
    createdAt: Iso,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    error: orNull(StepError),
  })
  .openapi('RunSummary');
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * A run without its steps (`GET /api/runs/{id}?steps=false`), from the D1 index. Strict (no other
 * keys), so an answer with `steps` can only be a {@link Run} and is checked as one.
 */
export const RunHead = z
  .strictObject({
    ...RunSummary.shape,
    createdAt: IsoOrNull,
    trigger: Trigger,
    input: z.unknown(),
    output: z.unknown(),
  })
  .openapi('RunHead');
export type RunHead = z.infer<typeof RunHead>;

/** One run with its steps (`GET /api/runs/{id}`); `steps` is empty before the run starts. */
/** A run paused for its budget: the approval that decides, the step that waits, spend and limit (USD). */
export const BudgetWait = z
  .object({
    approvalId: z.string(),
    stepId: z.string().describe('The step that waits to start'),
    scope: z.enum(['run', 'day']).describe('run: budget.usd; day: budget.usd_per_day (UTC day)'),
    spentUsd: z.number(),
    limitUsd: z.number(),
  })
  .openapi('BudgetWait');

/** One scorer's verdict on a run (issue 20: evaluations). */
export const RunScore = z
  .object({
    scorer: z.string(),
    score: z.number().nullable().describe('0–100; null when the scorer could not score the run (see error)'),
    reasons: z.string().nullable(),
    error: z.string().nullable(),
    scoredAt: Iso,
  })
  .openapi('RunScore');

/** A completed run's evaluation: the mean score, its grade, each scorer's verdict. */
export const RunEvaluation = z
  .object({
    score: z.number().nullable().describe('Mean of the scores given, 0–100'),
    grade: z
      .enum(['excellent', 'good', 'fair', 'poor'])
      .nullable()
      .describe('excellent ≥ 90, good ≥ 75, fair ≥ 50, else poor'),
    complete: z.boolean().describe('Every scorer has scored (a judge scores when its run ends)'),
    scores: z.array(RunScore),
  })
  .openapi('RunEvaluation');
export type RunEvaluation = z.infer<typeof RunEvaluation>;

export const Run = z
  .object({
    ...RunHead.shape,
    steps: z.array(Step),
    usage: orNull(Usage).optional().describe('Usage and cost summed over every step'),
    pausedFor: z
      .enum(['budget'])
      .optional()
      .describe("Why a paused run waits, when not by request: 'budget' (see budgetWait)"),
    budgetWait: BudgetWait.optional(),
    evaluation: orNull(RunEvaluation)
      .optional()
      .describe("The `evaluate:` scorers' verdicts, once the completed run is scored; absent without scorers"),
  })
  .openapi('Run');
export type Run = z.infer<typeof Run>;

export const RunList = z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() }).openapi('RunList');
export const RunStarted = z
  .object({
    runId: z.string(),
    queuedFor: QueueReason.optional().describe('The run is recorded and waits for this flow-control gate to start it'),
  })
  .openapi('RunStarted');
/** The answer when a workflow's `singleton` (mode skip) has an active run: nothing started. */
export const RunSkipped = z
  .object({ skipped: z.literal(true), runId: z.string().describe('The active run') })
  .openapi('RunSkipped');
export const RunControlled = z.object({ runId: z.string(), status: RunStatus }).openapi('RunControlled');
