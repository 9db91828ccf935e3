import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import { getAgent, listAgents, putAgent } from '../../db/agents';
import { database } from '../../db/client';
import { AgentBody, AgentRecord } from '../../schemas/agent';
import { AgentName } from '../../schemas/definition';
import { circuitOf } from '../../env';
import { router } from '../context';

const nameParam = z.object({ name: AgentName });
const record = { content: { 'application/json': { schema: AgentRecord } } };

export const agentRoutes = router();

agentRoutes.openapi(createRoute({ method: 'put', path: '/agents/{name}', summary: 'Create or replace an agent',
  request: { params: nameParam, body: { content: { 'application/json': { schema: AgentBody } }, required: true } },
  responses: { 200: { description: 'Replaced', ...record }, 201: { description: 'Created', ...record } } }),
async (c) => {
  const body = c.req.valid('json');
  const { agent, created } = await putAgent(database(c.env.DB), c.var.tenantId, { name: c.req.valid('param').name, ...body, config: body.config as Record<string, unknown> }, new Date().toISOString());
  return c.json(agent, created ? 201 : 200);
});

agentRoutes.openapi(createRoute({ method: 'get', path: '/agents', summary: 'List agents',
  responses: { 200: { description: 'Agents', content: { 'application/json': { schema: z.object({ agents: z.array(AgentRecord) }) } } } } }),
async (c) => c.json({ agents: await listAgents(database(c.env.DB), c.var.tenantId) }, 200));

const withCircuit = AgentRecord.extend({ circuit: z.object({ state: z.enum(['closed', 'open', 'half_open']), calls: z.number(), failureRate: z.number(), openedAt: z.string().nullable() }) });

agentRoutes.openapi(createRoute({ method: 'get', path: '/agents/{name}', summary: 'Read an agent with its circuit breaker state', request: { params: nameParam },
  responses: { 200: { description: 'The agent', content: { 'application/json': { schema: withCircuit } } } } }),
async (c) => {
  const { name } = c.req.valid('param');
  const agent = await getAgent(database(c.env.DB), c.var.tenantId, name);
  if (!agent) throw new BatonError('not_found', `agent ${name} is not registered`);
  const circuit = await circuitOf(c.env, c.var.tenantId, name).status();
  return c.json({ ...agent, circuit }, 200);
});
