import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { listDeliveries } from '../../adapter/cloudflare/d1/deliveries';
import { Delivery } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const deliveryRoutes = router();

deliveryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/deliveries',
    operationId: 'listDeliveries',
    summary: 'Webhook requests, newest first, with what became of each',
    request: {
      query: z.object({ workflow: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
    },
    responses: { 200: jsonBody(z.array(Delivery), 'Deliveries, newest first'), ...authErrors(400) },
  }),
  async (c) => {
    const rows = await listDeliveries(database(c.env.DB), c.var.tenantId, c.req.valid('query'));
    return c.json(
      rows.map((r) => ({
        id: r.id,
        workflow: r.workflowName,
        deliveryId: r.deliveryId,
        status: r.status,
        reason: r.reason,
        runId: r.runId,
        headers: r.headers as Record<string, string> | null,
        bodySize: r.bodySize,
        receivedAt: r.createdAt,
      })),
      200,
    );
  },
);
