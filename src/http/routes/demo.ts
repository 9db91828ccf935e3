import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../db/client';
import { seedDemo } from '../../demo/seed';
import { router } from '../context';

const Outcome = z.enum(['created', 'kept', 'switched']);
const Report = z.object({
  agents: z.record(z.string(), Outcome),
  workflow: z.object({ name: z.string(), outcome: z.enum(['created', 'kept', 'refused']), version: z.number().int().optional(), reason: z.string().optional() }),
});

export const demoRoutes = router();

demoRoutes.openapi(createRoute({ method: 'post', path: '/demo', summary: 'Seed the demo agents and workflow: only what is absent (npm start calls it)',
  description: 'Creates the agents research, summarize, draft, proofread and the workflow competitor-analysis when absent; an existing record is never replaced, whatever the order of this call and other writes. With OPENAI_BASE_URL and OPENAI_MODEL set, a demo agent still exactly as the offline seed wrote it is switched to that model.',
  responses: { 200: { description: 'What happened to each record', content: { 'application/json': { schema: Report } } } } }),
async (c) => {
  const settings = { baseUrl: c.env.OPENAI_BASE_URL || undefined, model: c.env.OPENAI_MODEL || undefined, apiKey: c.env.OPENAI_API_KEY || undefined };
  return c.json(await seedDemo(database(c.env.DB), c.var.tenantId, settings, new Date().toISOString()), 200);
});
