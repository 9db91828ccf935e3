import { createRoute } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { seedDemo } from '../../demo/seed';
import { DemoReport } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const demoRoutes = router();

demoRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/demo',
    operationId: 'seedDemo',
    summary: 'Seed the demo agents and workflow: only what is absent (npm start calls it)',
    description:
      'Creates the agents research, summarize, draft, proofread and the workflow competitor-analysis when absent; an existing record is never replaced, whatever the order of this call and other writes. With OPENAI_BASE_URL and OPENAI_MODEL set, a demo agent still exactly as the offline seed wrote it is switched to that model.',
    responses: { 200: jsonBody(DemoReport, 'What happened to each record'), ...authErrors() },
  }),
  async (c) => {
    const settings = {
      baseUrl: c.env.OPENAI_BASE_URL || undefined,
      model: c.env.OPENAI_MODEL || undefined,
      apiKey: c.env.OPENAI_API_KEY || undefined,
    };
    return c.json(await seedDemo(database(c.env.DB), c.var.tenantId, settings, new Date().toISOString()), 200);
  },
);
