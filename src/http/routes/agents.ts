import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import type { Context } from 'hono';
import type { HonoEnv } from '../context';
import { agentNames, deleteAgent, getAgent, listAgents, putAgent } from '../../adapter/cloudflare/d1/agents';
import { dependantCounts, workflowsNaming } from '../../adapter/cloudflare/d1/agent-dependants';
import { listAgentVersions } from '../../adapter/cloudflare/d1/agent-versions';
import { loopIssues } from '../../core/definition/validate';
import { statsByAgent } from '../../adapter/cloudflare/d1/agent-stats';
import { database } from '../../adapter/cloudflare/d1/client';
import { AgentBody, type AgentRecord } from '../../schemas/agent';
import { AgentStatus } from '../../schemas/enums';
import { Agent, AgentList, AgentVersionList, AgentWithCircuit, type AgentStats } from '../../schemas/api';
import { AgentName } from '../../schemas/definition';
import { circuitOf, hidesWorkerVar } from '../../adapter/cloudflare/env';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

const nameParam = z.object({ name: AgentName });

export const agentRoutes = router();

agentRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/agents/{name}',
    operationId: 'putAgent',
    summary: 'Create or change an agent',
    description:
      'A change makes a new immutable version (v1, v2 …; `GET /api/agents/{name}/versions`); runs keep calling the versions current when they started. An identical PUT changes nothing (200, same version).',
    request: { params: nameParam, body: { content: { 'application/json': { schema: AgentBody } }, required: true } },
    responses: {
      200: jsonBody(Agent, 'Changed (a new version), or unchanged'),
      201: jsonBody(Agent, 'Created (version 1)'),
      ...authErrors(400, 409),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { name } = c.req.valid('param');
    const db = database(c.env.DB);
    if (body.replaced_by !== undefined) {
      const problem =
        body.replaced_by === name
          ? 'an agent cannot replace itself'
          : (await agentNames(db, c.var.tenantId)).has(body.replaced_by)
            ? null
            : `unknown agent '${body.replaced_by}'; register it first`;
      if (problem)
        throw new BatonError('bad_request', `invalid agent: replaced_by: ${problem}`, {
          issues: [{ path: 'replaced_by', message: problem }],
        });
    }
    if ('tools' in body || 'output_schema' in body) {
      const issues = loopIssues(
        body,
        '',
        new Set([...(await agentNames(db, c.var.tenantId)), c.req.valid('param').name]),
      );
      if (issues.length)
        throw new BatonError('bad_request', `invalid agent: ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
    }
    const keyName = (body.config as { apiKeySecret?: unknown }).apiKeySecret;
    if (typeof keyName === 'string' && hidesWorkerVar(c.env, c.var.tenantId, keyName)) {
      const message = `${keyName} is a Worker var or secret not exposed to this tenant (EXPOSED_ENV); store the key with PUT /api/secrets/${keyName} { value, hosts }`;
      throw new BatonError('bad_request', `invalid agent: config.apiKeySecret: ${message}`, {
        issues: [{ path: 'config.apiKeySecret', message }],
      });
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
  costPerCallUsd: null,
  throughputPerHour: 0,
  inputTokens: 0,
  outputTokens: 0,
};

const windowHours = z.coerce
  .number()
  .int()
  .min(1)
  .max(24 * 90)
  .default(24)
  .describe('The statistics window, hours back from now');

/** Circuit, statistics over the last `hours` and dependants of each agent. */
async function withHealth(c: Context<HonoEnv>, tenantId: string, agents: AgentRecord[], hours: number) {
  const db = database(c.env.DB);
  const [stats, dependants, circuits] = await Promise.all([
    statsByAgent(db, tenantId, new Date(Date.now() - hours * 3_600_000).toISOString(), hours),
    dependantCounts(db, tenantId, agents),
    Promise.all(agents.map((a) => circuitOf(c.env, tenantId, a.name).status())),
  ]);
  return agents.map((a, i) => ({
    ...a,
    circuit: circuits[i]!,
    stats: stats.get(a.name) ?? NO_CALLS,
    dependants: dependants.get(a.name) ?? 0,
  }));
}

/** Whether an agent matches the search: every filter given must hold; `q` is a case-insensitive substring of name or description. */
function matches(a: AgentRecord, f: { skill?: string; domain?: string; status?: string; q?: string }): boolean {
  const q = f.q?.toLowerCase();
  return (
    (!f.skill || a.capabilities.skills.includes(f.skill)) &&
    (!f.domain || a.capabilities.domain === f.domain) &&
    (!f.status || a.status === f.status) &&
    (!q || a.name.toLowerCase().includes(q) || (a.description ?? '').toLowerCase().includes(q))
  );
}

agentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/agents',
    operationId: 'listAgents',
    summary: 'List and search agents',
    description:
      'Filters (all optional, all must hold): `skill`, `domain`, `status`, `q` (a case-insensitive substring of the name or description). With `include=health`, each agent also carries its circuit breaker state, `stats` of the attempts dispatched in the last `hours` (calls, success rate, latency p50/p95 in ms, calls per hour, tokens, cost in USD in total and per call) and `dependants`.',
    request: {
      query: z.object({
        skill: z.string().max(64).optional(),
        domain: z.string().max(64).optional(),
        status: AgentStatus.optional(),
        q: z.string().max(200).optional(),
        include: z.enum(['health']).optional(),
        hours: windowHours,
      }),
    },
    responses: { 200: jsonBody(AgentList, 'Agents by name'), ...authErrors(400) },
  }),
  async (c) => {
    const { include, hours, ...filters } = c.req.valid('query');
    const agents = (await listAgents(database(c.env.DB), c.var.tenantId)).filter((a) => matches(a, filters));
    if (include !== 'health') return c.json({ agents }, 200);
    return c.json({ agents: await withHealth(c, c.var.tenantId, agents, hours) }, 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/agents/{name}',
    operationId: 'getAgent',
    summary: 'Read an agent with its circuit, statistics and dependants',
    request: { params: nameParam, query: z.object({ hours: windowHours }) },
    responses: { 200: jsonBody(AgentWithCircuit, 'The agent'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const agent = await getAgent(database(c.env.DB), c.var.tenantId, name);
    if (!agent) throw new BatonError('not_found', `agent ${name} is not registered`);
    const [health] = await withHealth(c, c.var.tenantId, [agent], c.req.valid('query').hours);
    return c.json(health!, 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/agents/{name}/versions',
    operationId: 'listAgentVersions',
    summary: "An agent's versions, newest first",
    request: { params: nameParam },
    responses: { 200: jsonBody(AgentVersionList, 'Versions, newest first'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const db = database(c.env.DB);
    // A deleted agent's versions are kept (numbers are never reused) but not listed: it is not registered.
    const agent = await getAgent(db, c.var.tenantId, name);
    if (!agent) throw new BatonError('not_found', `agent ${name} is not registered`);
    const versions = await listAgentVersions(db, c.var.tenantId, name);
    // An agent written before versions existed (and not backfilled) is its own v1.
    if (!versions.length) versions.push(agent);
    return c.json({ versions }, 200);
  },
);

agentRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/agents/{name}',
    operationId: 'deleteAgent',
    summary: 'Delete an agent and its versions',
    description:
      'Refused (409, naming them) while the latest version of any workflow names the agent (`agent:`, `name@N` or an agent tool).',
    request: { params: nameParam },
    responses: { 204: { description: 'Deleted' }, ...authErrors(400, 404, 409) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const db = database(c.env.DB);
    const users = await workflowsNaming(db, c.var.tenantId, name);
    if (users.length)
      throw new BatonError(
        'conflict',
        `agent ${name} is used by the latest version of workflow${users.length === 1 ? '' : 's'} ${users.join(', ')}`,
        { workflows: users },
      );
    if (!(await deleteAgent(db, c.var.tenantId, name)))
      throw new BatonError('not_found', `agent ${name} is not registered`);
    return c.body(null, 204);
  },
);
