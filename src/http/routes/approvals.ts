import { createRoute, z } from '@hono/zod-openapi';
import { auditOf, getApproval, listApprovals, type ApprovalRow } from '../../adapter/cloudflare/d1/approvals';
import { database } from '../../adapter/cloudflare/d1/client';
import { BatonError } from '../../core/errors';
import { ApprovalStatus } from '../../schemas/enums';
import { Decision } from '../../schemas/steps';
import { decideApproval } from '../../adapter/cloudflare/triggers/decide-approval';
import { Approval, ApprovalDecided, ApprovalDetail } from '../../schemas/api';
import type { StepStatus } from '../../schemas/enums';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const approvalRoutes = router();

/** An approval round as the API answers it (CONTRACT.md). */
function approvalView(row: ApprovalRow): Approval {
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

approvalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/approvals',
    operationId: 'listApprovals',
    summary: 'Approval requests, newest first',
    request: {
      query: z.object({
        status: ApprovalStatus.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(100),
      }),
    },
    responses: { 200: jsonBody(z.array(Approval), 'Approval rounds, newest first'), ...authErrors(400) },
  }),
  async (c) => {
    const rows = await listApprovals(database(c.env.DB), c.var.tenantId, c.req.valid('query'));
    return c.json(rows.map(approvalView), 200);
  },
);

approvalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/approvals/{id}',
    operationId: 'getApproval',
    summary: 'One approval request with its audit trail',
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: jsonBody(ApprovalDetail, 'The approval and its audit trail, oldest first'), ...authErrors(404) },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const row = await getApproval(db, c.var.tenantId, c.req.valid('param').id);
    if (!row) throw new BatonError('not_found', `approval ${c.req.valid('param').id} does not exist`);
    const trail = await auditOf(db, c.var.tenantId, row.id);
    return c.json(
      {
        ...approvalView(row),
        audit: trail.map((a) => ({ at: a.at, actor: a.actor, action: a.action, details: a.details })),
      },
      200,
    );
  },
);

approvalRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/approvals/{id}',
    operationId: 'decideApproval',
    summary: 'Decide an approval',
    description:
      "Without `by`, an admin decision: final whatever the quorum. With `by` (an assignee address), that assignee's vote.",
    request: {
      params: z.object({ id: z.string() }),
      body: {
        content: {
          'application/json': {
            schema: z.object({
              decision: Decision,
              comment: z.string().max(10_000).optional(),
              by: z.email().optional(),
            }),
          },
        },
        required: true,
      },
    },
    responses: { 200: jsonBody(ApprovalDecided, 'Decided (or the vote counted)'), ...authErrors(400, 404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { stepStatus } = await decideApproval(c.env, c.var.tenantId, {
      id,
      decision: body.decision,
      comment: body.comment,
      by: body.by ?? 'api',
      channel: 'api',
    });
    return c.json({ id, decision: body.decision, stepStatus: stepStatus as StepStatus | null }, 200);
  },
);
