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
import type { AuthVars } from '../middleware/auth';
import { authErrors, jsonBody } from '../openapi';
import { approvalView } from '../views';

export const approvalRoutes = router();

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
    const by = decidingAs(c.var, await getApproval(database(c.env.DB), c.var.tenantId, id), body.by);
    const { stepStatus } = await decideApproval(c.env, c.var.tenantId, {
      id,
      decision: body.decision,
      comment: body.comment,
      by,
      channel: 'api',
    });
    return c.json({ id, decision: body.decision, stepStatus: stepStatus as StepStatus | null }, 200);
  },
);

/**
 * Whom a decision through the API is taken as. A signed-in member decides as their email: an
 * approver only approvals assigned to it, an admin as assignee when assigned (else as admin, final).
 * Keys and the ADMIN_TOKEN are admins (an approver key decides nothing: approvers are people).
 * @returns the assignee address, or `api` for an admin decision.
 * @throws {BatonError} not_found (unknown approval), forbidden (not the caller's to decide).
 */
function decidingAs(vars: AuthVars, approval: ApprovalRow | null, by: string | undefined): string {
  if (!approval) throw new BatonError('not_found', 'this approval does not exist');
  const actor = vars.actor;
  if (actor.type !== 'person') {
    if (vars.role !== 'admin')
      throw new BatonError(
        'forbidden',
        'an approver decides only approvals assigned to their email: sign in as a member (an approver key decides nothing)',
      );
    return by ?? 'api';
  }
  if (by && by.toLowerCase() !== actor.email)
    throw new BatonError('forbidden', `a member decides as themself (${actor.email}), not as ${by}`);
  const assigned = approval.assignees.some((a) => a.toLowerCase() === actor.email);
  if (assigned) return actor.email;
  if (vars.role === 'admin') return 'api';
  throw new BatonError(
    'forbidden',
    `approval ${approval.id} is assigned to ${approval.assignees.join(', ')}, not to ${actor.email}`,
  );
}
