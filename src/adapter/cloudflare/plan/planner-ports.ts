import { callModel, type ChatMessage } from '../../../agents/model/index';
import type { PlanDesk } from '../../../app/plan/plan-email';
import { receivePlanEmail } from '../../../app/plan/plan-email';
import type { PlannerModel, PlanPorts, PlanWorkflows } from '../../../app/plan/ports';
import type { RegistryEntry } from '../../../app/plan/registry';
import { BatonError } from '../../../core/errors';
import type { Issue } from '../../../schemas/errors';
import { parseAgentRef } from '../../../schemas/names';
import { statsByAgent } from '../d1/agent-stats';
import { getAgent, listAgents } from '../d1/agents';
import { database, type Database } from '../d1/client';
import { d1Plans } from '../d1/plans';
import type { AppEnv } from '../env';
import { hostPorts } from '../host';
import { checkDefinition, registerWorkflow } from '../register-workflow';
import { hostFor } from '../run/execute-attempt';

/** The planner's settings: `PLANNER` (default planner agent), `PLAN_ALIAS` (default `plan`), `PLAN_ALLOW` (comma-separated sender patterns). */
export type PlanEnv = AppEnv & { PLANNER?: string; PLAN_ALIAS?: string; PLAN_ALLOW?: string };

/** How long one planner turn may take, ms. */
export const PLANNER_TURN_TIMEOUT_MS = 60_000;

/** The window of attempts the registry's latencies and costs are taken from, ms (7 days). */
export const STATS_WINDOW_MS = 7 * 24 * 3600_000;

/** The planner agent, as a model turn with structured output (src/agents/model). */
function plannerModel(env: PlanEnv, db: Database): PlannerModel {
  return {
    async ask(tenantId, planner, messages, schema, key) {
      const ref = parseAgentRef(planner);
      const agent = await getAgent(db, tenantId, ref.name);
      if (!agent) return { ok: false, message: `the planner agent ${planner} is not registered` };
      // The planner always runs the agent's current version: a pin to another one is refused, not ignored.
      if (ref.version !== undefined && ref.version !== agent.version)
        return {
          ok: false,
          message: `the planner ${planner}: only the current version (${ref.name}@${agent.version}) can plan`,
        };
      const chat: ChatMessage[] = messages.map((m) =>
        m.role === 'user' ? { role: 'user', text: m.text } : { role: 'assistant', text: m.text, toolCalls: [] },
      );
      const result = await callModel(
        agent,
        {
          messages: chat,
          tools: [],
          outputSchema: schema,
          idempotencyKey: key,
          signal: AbortSignal.timeout(PLANNER_TURN_TIMEOUT_MS),
        },
        hostFor(env, tenantId),
      );
      if (!result.ok) return { ok: false, message: `the planner agent ${planner} failed: ${result.error.message}` };
      return { ok: true, text: result.reply.text };
    },
  };
}

/** The tenant's agents with the statistics of their recent attempts. */
async function registryOf(db: Database, tenantId: string): Promise<RegistryEntry[]> {
  const since = new Date(Date.now() - STATS_WINDOW_MS).toISOString();
  const [agents, stats] = await Promise.all([listAgents(db, tenantId), statsByAgent(db, tenantId, since)]);
  return agents.map((a) => {
    const s = stats.get(a.name);
    return {
      name: a.name,
      version: a.version,
      provider: a.provider,
      status: a.status,
      ...(a.description ? { description: a.description } : {}),
      ...(a.capabilities.domain ? { domain: a.capabilities.domain } : {}),
      skills: a.capabilities.skills,
      ...(a.pricing ? { pricing: a.pricing } : {}),
      p50Ms: s?.p50Ms ?? null,
      costPerCallUsd: s && s.calls > 0 && s.costUsd > 0 ? s.costUsd / s.calls : null,
      calls: s?.calls ?? 0,
    };
  });
}

/** Checking and saving plans with the registration path of `POST /api/workflows`. */
function planWorkflows(db: Database): PlanWorkflows {
  return {
    async check(tenantId, text) {
      try {
        return { ok: true, definition: await checkDefinition(db, tenantId, text) };
      } catch (err) {
        if (err instanceof BatonError && err.code === 'invalid_definition')
          return { ok: false, issues: ((err.details as { issues?: Issue[] } | undefined)?.issues ?? []) as Issue[] };
        throw err;
      }
    },
    async register(tenantId, text, name) {
      const { version } = await registerWorkflow(db, tenantId, text, 'json', { name });
      return { name, version };
    },
  };
}

/** The ports of src/app/plan over the Worker's bindings. */
export function planPorts(env: PlanEnv): PlanPorts {
  const db = database(env.DB);
  const host = hostPorts(env);
  return {
    ...host,
    plans: d1Plans(db),
    planner: plannerModel(env, db),
    workflowsForPlans: planWorkflows(db),
    registry: (tenantId) => registryOf(db, tenantId),
    defaultPlanner: (env.PLANNER ?? '').trim(),
  };
}

/** The `plan@` mailbox over the Worker's bindings (`PLAN_ALIAS`, `PLAN_ALLOW`). */
export function planDeskOf(env: PlanEnv): PlanDesk {
  const allow = (env.PLAN_ALLOW ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    alias: (env.PLAN_ALIAS || 'plan').trim().toLowerCase(),
    receive: (tenantId, mail) => receivePlanEmail(planPorts(env), tenantId, allow, mail),
  };
}
