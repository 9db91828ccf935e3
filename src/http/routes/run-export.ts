import { createRoute, z } from '@hono/zod-openapi';
import type { RunState } from '../../core/engine';
import { BatonError } from '../../core/errors';
import { database } from '../../adapter/cloudflare/d1/client';
import { runApprovals, runAttemptRecords } from '../../adapter/cloudflare/d1/lifecycle';
import { runMessages } from '../../adapter/cloudflare/d1/messages';
import { getRunRow } from '../../adapter/cloudflare/d1/runs';
import { RunExport } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';
import { approvalView, messageDetail, runFromRow, runView } from '../views';

export const runExportRoutes = router();

runExportRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/runs/{id}/export',
    operationId: 'exportRun',
    summary: 'Everything of one run as one JSON document: steps, attempts, transcripts, approvals, messages',
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: jsonBody(RunExport, 'The run export (`format: baton.run-export/v1`)'), ...authErrors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const db = database(c.env.DB);
    const row = await getRunRow(db, c.var.tenantId, id);
    if (!row) throw new BatonError('not_found', `run ${id} does not exist`);
    const [state, attempts, approvals, messages] = await Promise.all([
      c.env.RUNS.get(c.env.RUNS.idFromName(id)).snapshot() as Promise<RunState | null>,
      runAttemptRecords(db, c.var.tenantId, id),
      runApprovals(db, c.var.tenantId, id),
      runMessages(db, c.var.tenantId, id),
    ]);
    c.header('content-disposition', `attachment; filename="${id.replace(/[^\w.-]/g, '_')}.json"`);
    return c.json(
      {
        format: 'baton.run-export/v1' as const,
        exportedAt: new Date().toISOString(),
        run: state ? runView(state) : { ...runFromRow(row), steps: [] },
        attempts: attempts.map(({ tenantId: _, runId: __, ...a }) => a),
        approvals: approvals.map(approvalView),
        messages: messages.map(messageDetail),
      },
      200,
    );
  },
);
