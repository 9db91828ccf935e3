import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { runsWaitingFor } from '../../adapter/cloudflare/d1/events';
import { EventsDelivered } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const eventRoutes = router();

eventRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/events',
    operationId: 'publishEvent',
    summary: 'Publish an event to runs waiting in wait_for_event',
    request: {
      body: {
        content: {
          'application/json': { schema: z.object({ type: z.string().min(1).max(200), data: z.unknown().optional() }) },
        },
        required: true,
      },
    },
    responses: { 202: jsonBody(EventsDelivered, 'How many runs took the event'), ...authErrors(400) },
  }),
  async (c) => {
    const { type, data } = c.req.valid('json');
    const runIds = await runsWaitingFor(database(c.env.DB), c.var.tenantId, type);
    const results = await Promise.all(
      runIds.map((id) => c.env.RUNS.get(c.env.RUNS.idFromName(id)).deliverEvent(type, data ?? null)),
    );
    return c.json({ delivered: results.filter(Boolean).length }, 202);
  },
);
