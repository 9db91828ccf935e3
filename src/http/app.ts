import { z } from 'zod';
import { OpenAPIHono } from '@hono/zod-openapi';
import { BatonError } from '../core/errors';
import { WorkflowDefinition } from '../schemas/definition';
import type { HonoEnv } from './context';
import { errorResponse } from './errors';
import { bearerAuth } from './middleware/auth';
import { redactForReaders } from './middleware/redact';
import { approvalLinks } from './approval-links';
import { webhookRoutes } from './webhooks';
import { deliveryRoutes } from './routes/deliveries';
import { demoRoutes } from './routes/demo';
import { agentRoutes } from './routes/agents';
import { approvalRoutes } from './routes/approvals';
import { eventRoutes } from './routes/events';
import { liveRoutes } from './routes/live';
import { messageRoutes } from './routes/messages';
import { runRoutes } from './routes/runs';
import { scheduleRoutes } from './routes/schedules';
import { secretRoutes } from './routes/secrets';
import { workflowRoutes } from './routes/workflows';

/** JSON Schema (draft 2020-12) of the workflow format, generated from the zod schema, for editors. */
const workflowJsonSchema = {
  ...z.toJSONSchema(WorkflowDefinition, { io: 'input', unrepresentable: 'any' }),
  $id: 'https://baton.dev/schema/workflow.json',
  title: 'Baton workflow definition',
};

/** The Worker's HTTP surface: `/api/*` (bearer auth), JSON errors, the OpenAPI document. */
export function createApp() {
  const app = new OpenAPIHono<HonoEnv>();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => errorResponse(c, new BatonError('not_found', `no route for ${c.req.method} ${c.req.path}`)));

  app.get('/api/health', (c) => c.json({ ok: true }));
  app.get('/api/schema/workflow.json', (c) => c.json(workflowJsonSchema));
  app.route('/', approvalLinks);
  app.route('/', webhookRoutes);
  app.use('/api/*', bearerAuth(), redactForReaders());
  for (const routes of [workflowRoutes, runRoutes, agentRoutes, messageRoutes, eventRoutes, approvalRoutes, scheduleRoutes, deliveryRoutes, secretRoutes, liveRoutes, demoRoutes]) app.route('/api', routes);
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Baton API', version: '0.1.0', description: 'Multi-agent workflows on Cloudflare Workers. All /api routes need Authorization: Bearer <token>.' },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  return app;
}
