import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { getPlan, listPlans } from '../../adapter/cloudflare/d1/plans';
import { planPorts } from '../../adapter/cloudflare/plan/planner-ports';
import type { PlanRecord } from '../../app/plan/ports';
import { approvePlan, createPlan, rejectPlan } from '../../app/plan/plans';
import { BatonError } from '../../core/errors';
import { PlanRequest, TaskPlan, TaskPlanList } from '../../schemas/api/plans';
import { PlanStatus } from '../../schemas/enums';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const planRoutes = router();

/** A plan as the API answers it. */
export function planView(plan: PlanRecord): TaskPlan {
  return {
    id: plan.id,
    status: plan.status,
    task: plan.task,
    constraints: plan.constraints,
    planner: plan.planner,
    definition: plan.definition,
    problems: plan.status === 'failed' ? [] : plan.problems,
    estimate: plan.estimate,
    feedback: plan.feedback,
    requester: plan.requester,
    error: plan.status === 'failed' ? (plan.problems[0]?.message ?? 'planning failed') : null,
    workflow: plan.workflowName,
    version: plan.workflowVersion,
    runId: plan.runId,
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
  };
}

const idParam = z.object({ id: z.string().max(64) });

planRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/plan',
    operationId: 'createPlan',
    summary:
      'Plan a task: the planner agent proposes a workflow, Baton validates it (two repair turns) and estimates it',
    request: { body: { content: { 'application/json': { schema: PlanRequest } }, required: true } },
    responses: {
      201: jsonBody(TaskPlan, 'The stored plan: `proposed`, `invalid` (with `problems`) or `failed` (with `error`)'),
      ...authErrors(400),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const plan = await createPlan(planPorts(c.env), c.var.tenantId, {
      task: body.task,
      ...(body.constraints ? { constraints: body.constraints } : {}),
      ...(body.planner ? { planner: body.planner } : {}),
    });
    return c.json(planView(plan), 201);
  },
);

planRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/plans',
    operationId: 'listPlans',
    summary: 'Plans, newest first',
    request: {
      query: z.object({
        status: PlanStatus.optional(),
        cursor: z.string().max(500).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: { 200: jsonBody(TaskPlanList, 'A page of plans'), ...authErrors(400) },
  }),
  async (c) => {
    const page = await listPlans(database(c.env.DB), c.var.tenantId, c.req.valid('query'));
    return c.json({ plans: page.plans.map(planView), nextCursor: page.nextCursor }, 200);
  },
);

planRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/plans/{id}',
    operationId: 'getPlan',
    summary: 'One plan: its definition, steps, DAG, critical path and estimate',
    request: { params: idParam },
    responses: { 200: jsonBody(TaskPlan, 'The plan'), ...authErrors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const plan = await getPlan(database(c.env.DB), c.var.tenantId, id);
    if (!plan) throw new BatonError('not_found', `plan ${id} does not exist`);
    return c.json(planView(plan), 200);
  },
);

planRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/plans/{id}/approve',
    operationId: 'approvePlan',
    summary: 'Approve a proposed plan: save it as a workflow version and run it',
    request: { params: idParam },
    responses: {
      200: jsonBody(TaskPlan, 'The approved plan with its workflow, version and runId'),
      ...authErrors(400, 404, 409),
    },
  }),
  async (c) => {
    const plan = await approvePlan(planPorts(c.env), c.var.tenantId, c.req.valid('param').id);
    return c.json(planView(plan), 200);
  },
);

planRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/plans/{id}/reject',
    operationId: 'rejectPlan',
    summary: 'Reject an open plan',
    request: { params: idParam },
    responses: { 200: jsonBody(TaskPlan, 'The rejected plan'), ...authErrors(404, 409) },
  }),
  async (c) => {
    const plan = await rejectPlan(planPorts(c.env), c.var.tenantId, c.req.valid('param').id);
    return c.json(planView(plan), 200);
  },
);
