import { z } from 'zod';
import { Issue } from '../errors';
import { PlanStatus } from '../enums';
import { AgentRef } from '../names';
import { Iso, named } from './common';

/* The planner: a task in words → a proposed workflow, approved or rejected (issue 17 item 5). */

/** Longest task the planner takes, characters. */
export const MAX_TASK_CHARS = 4_000;
/** Most steps a plan may have when the request sets no `max_steps`. */
export const DEFAULT_MAX_PLAN_STEPS = 20;
/** The highest `max_steps` a request may ask for. */
export const MAX_PLAN_STEPS = 50;

/** `constraints` of a plan request: a cost ceiling (USD, estimated) and a step count ceiling. */
export const PlanConstraints = named(
  z.strictObject({
    max_usd: z
      .number()
      .nonnegative()
      .max(100_000)
      .optional()
      .describe('Most the plan may cost per run (estimated), USD'),
    max_steps: z
      .int()
      .min(1)
      .max(MAX_PLAN_STEPS)
      .optional()
      .describe(`Most steps, blocks and their children counted (default ${DEFAULT_MAX_PLAN_STEPS})`),
  }),
  'PlanConstraints',
);
export type PlanConstraints = z.infer<typeof PlanConstraints>;

/** Body of `POST /api/plan`. */
export const PlanRequest = named(
  z.strictObject({
    task: z.string().trim().min(1).max(MAX_TASK_CHARS).describe('What to do, in words'),
    constraints: PlanConstraints.optional(),
    planner: AgentRef.optional().describe('An openai or anthropic agent; default: the PLANNER setting'),
  }),
  'PlanRequest',
);
export type PlanRequest = z.infer<typeof PlanRequest>;

/** One step of a plan's estimate. `costUsd` null: no price or history is known for its agent. */
export const PlanStepEstimate = z.object({
  id: z.string(),
  kind: z.string(),
  agent: z.string().nullable().describe('The agent it calls (name, or skill:<skill> for a selection)'),
  needs: z.array(z.string()),
  estimateMs: z.number(),
  costUsd: z.number().nullable(),
});

/** A plan's steps, DAG, critical path, duration and cost, estimated from the agents' metrics and pricing. */
export const PlanEstimate = named(
  z.object({
    steps: z.array(PlanStepEstimate),
    edges: z.array(z.object({ from: z.string(), to: z.string() })),
    criticalPath: z.array(z.string()),
    durationMs: z.number().describe('Along the critical path'),
    costUsd: z.number().describe('Sum over the steps with a known cost (a foreach counts one item)'),
    costUnknown: z.array(z.string()).describe('Steps whose agent has no price and no history'),
  }),
  'PlanEstimate',
);
export type PlanEstimate = z.infer<typeof PlanEstimate>;

/** A plan (a task's proposed workflow; not a workflow's execution `Plan`) as `GET /api/plans/:id` answers it. */
export const TaskPlan = named(
  z.object({
    id: z.string(),
    status: PlanStatus,
    task: z.string(),
    constraints: PlanConstraints,
    planner: z.string(),
    definition: z.unknown().describe('The proposed workflow definition (the last one, when invalid)'),
    problems: z.array(Issue).describe('Why the last proposal does not validate; empty when it does'),
    estimate: PlanEstimate.nullable(),
    feedback: z.array(z.string()).describe('Feedback given by replies, oldest first'),
    requester: z.string().nullable().describe('Who asked by email'),
    error: z.string().nullable().describe('Why planning failed (status failed)'),
    workflow: z.string().nullable().describe('The workflow the approved plan was saved as'),
    version: z.number().int().nullable(),
    runId: z.string().nullable(),
    createdAt: Iso,
    updatedAt: Iso,
  }),
  'TaskPlan',
);
export type TaskPlan = z.infer<typeof TaskPlan>;

/** `GET /api/plans`: newest first. */
export const TaskPlanList = named(
  z.object({ plans: z.array(TaskPlan), nextCursor: z.string().nullable() }),
  'TaskPlanList',
);
