import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import { agentNames, getAgent, listAgents, putAgent } from '../../adapter/cloudflare/d1/agents';
import { loopIssues } from '../../core/definition/validate';
import { statsByAgent } from '../../adapter/cloudflare/d1/agent-stats';
import { database } from '../../adapter/cloudflare/d1/client';
import { AgentBody } from '../../schemas/agent';
import { Agent, AgentList, AgentWithCircuit, type AgentStats } from '../../schemas/api';
import { AgentName } from '../../schemas/definition';
import { circuitOf } from '../../adapter/cloudflare/env';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

const nameParam = z.object({ name: AgentName });

export const agentRoutes = router();

agentRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/agents/{name}',
    operationId: 'putAgent',
    summary: 'Create or replace an agent',
    request: { params: nameParam, body: { content: { 'application/json': { schema: AgentBody } }, required: true } },
    responses: { 200: jsonBody(Agent, 'Replaced'), 201: jsonBody(Agent, 'Created'), ...authErrors(400) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const db = database(c.env.DB);
    if ('tools' in body || 'output_schema' in body) {
      const issues = loopIssues(
        body,
        '',
        new Set([...(await agentNames(db, c.var.tenantId)), c.req.valid('param').name]),
      );
      if (issues.length)
        throw new BatonError('bad_request', `invalid agent: ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
    }
    const { agent, created } = await putAgent(
      db,
      c.var.tenantId,
      { name: c.req.valid('param').name, ...body, config: body.config as Record<string, unknown> },
      new Date().toISOString(),
    );
    return c.json(agent, created ? 201 : 200);
  },
);

const NO_CALLS: AgentStats = {
  calls: 0,
  succeeded: 0,
  successRate: null,
  p50Ms: null,
  p95Ms: null,
  costUsd: 0,
  inputTokens: 0,
  outputTokens: 0,
};

agentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/agents',
    operationId: 'listAgents',
    summary: 'List agents',
    description:
      'With `include=health`, each agent also carries its circuit breaker state and `stats` of the attempts dispatched in the last `hours` (calls, success rate, latency p50/p95 in ms, tokens, cost in USD).',
    request: {
      query: z.object({
        include: z.enum(['health']).optional(),
        hours: z.coerce
          .number()
          .int()
          .min(1)
          .max(24 * 90)
          .default(24),
      }),
    },
    responses: { 200: jsonBody(AgentList, 'Agents by name'), ...authErrors(400) },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const { include, hours } = c.req.valid('query');
    const agents = await listAgents(db, c.var.tenantId);
    if (include !== 'health') return c.json({ agents }, 200);
    const stats = await statsByAgent(db, c.var.tenantId, new Date(Date.now() - hours * 3_600_000).toISOString());
    const circuits = await Promise.all(agents.map((a) => circuitOf(c.env, c.var.tenantId, a.name).status()));
    return c.json(
      { agents: agents.map((a, i) => ({ ...a, circuit: circuits[i]!, stats: stats.get(a.name) ?? NO_CALLS })) },
      200,
    );
  },
);

agentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/agents/{name}',
    operationId: 'getAgent',
    summary: 'Read an agent with its circuit breaker state',
    request: { params: nameParam },
    responses: { 200: jsonBody(AgentWithCircuit, 'The agent'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const agent = await getAgent(database(c.env.DB), c.var.tenantId, name);
    if (!agent) throw new BatonError('not_found', `agent ${name} is not registered`);
    const circuit = await circuitOf(c.env, c.var.tenantId, name).status();
    return c.json({ ...agent, circuit }, 200);
  },
);
