import { LRUCache } from 'lru-cache';
import { MAX_CANDIDATES, type SelectionRequest } from '../../core/engine/selection';
import { rankCandidates, selectionReason, type Candidate } from '../../core/policy/selection';
import type { AgentStats } from '../../core/policy/agent-stats';
import type { AgentSelection, PinnedAgent } from '../../core/engine/index';
import type { AgentRecord } from '../../schemas/agent';
import type { StepError } from '../../schemas/errors';
import type { Database } from './d1/client';
import { listAgents } from './d1/agents';
import { statsByAgent } from './d1/agent-stats';
import { circuitOf, type AppEnv } from './env';

/** How far back the metrics that order candidates look, ms (a day). */
export const SELECTION_WINDOW_MS = 24 * 3_600_000;

/** How long one isolate reuses a tenant's agent metrics for selection, ms (the agent list is read each time). */
export const SELECTION_CACHE_MS = 30_000;

interface Registry {
  agents: AgentRecord[];
  stats: Map<string, AgentStats>;
}

/** No timers (`ttlAutopurge: false`): an entry expires when read. */
const metrics = new LRUCache<string, Promise<Map<string, AgentStats>>>({
  max: 1_000,
  ttl: SELECTION_CACHE_MS,
  ttlAutopurge: false,
  ttlResolution: 0,
  perf: Date,
});

async function registryOf(db: Database, tenantId: string): Promise<Registry> {
  let stats = metrics.get(tenantId);
  if (!stats) {
    const loaded = statsByAgent(db, tenantId, new Date(Date.now() - SELECTION_WINDOW_MS).toISOString());
    metrics.set(tenantId, loaded);
    loaded.catch(() => metrics.peek(tenantId) === loaded && metrics.delete(tenantId));
    stats = loaded;
  }
  const [agents, byAgent] = await Promise.all([listAgents(db, tenantId), stats]);
  return { agents, stats: byAgent };
}

/** Expected cost of one call, USD: `pricing.per_call` plus the agent's mean tokens × its token prices, else its mean cost. */
function expectedCost(agent: AgentRecord, stats: AgentStats | undefined): number | undefined {
  const calls = stats?.calls ?? 0;
  const pricing = agent.pricing;
  if (pricing && (pricing.per_call !== undefined || calls > 0)) {
    const meanIn = calls ? stats!.inputTokens / calls : 0;
    const meanOut = calls ? stats!.outputTokens / calls : 0;
    return (
      (pricing.per_call ?? 0) +
      (meanIn * (pricing.input_per_mtok ?? 0) + meanOut * (pricing.output_per_mtok ?? 0)) / 1_000_000
    );
  }
  return calls ? stats!.costUsd / calls : undefined;
}

/** The candidates of a selection, best first: active agents with the skill (and domain), not excluded. */
function candidatesOf(
  registry: Registry,
  request: SelectionRequest,
  pinned: Readonly<Record<string, PinnedAgent>> | undefined,
): { agent: AgentRecord; candidate: Candidate }[] {
  const eligible = registry.agents.filter(
    (a) =>
      a.status === 'active' &&
      (pinned === undefined || Object.hasOwn(pinned, a.name)) &&
      a.capabilities.skills.includes(request.skill) &&
      (request.domain === undefined || a.capabilities.domain === request.domain) &&
      !request.exclude.includes(a.name),
  );
  const byName = new Map(eligible.map((a) => [a.name, a]));
  const ranked = rankCandidates(
    eligible.map((a) => {
      const stats = registry.stats.get(a.name);
      return {
        name: a.name,
        costUsd: expectedCost(a, stats),
        p50Ms: stats?.p50Ms ?? undefined,
        successRate: stats?.successRate ?? undefined,
      };
    }),
    request.prefer,
  ).slice(0, MAX_CANDIDATES);
  return ranked.map((candidate) => ({ agent: byName.get(candidate.name)!, candidate }));
}

/**
 * Picks the agent of a selecting step's attempt: among the tenant's active agents with the skill
 * (and domain), not excluded, ordered by the preference (ties by name), the first whose circuit is
 * not open — the previous attempt's agent first while it has retries left (`keep`). When every
 * circuit is open the best is chosen anyway (its circuit answers `circuit_open`, so the step moves on).
 * A run that pinned the registry at start (`pinned`) chooses only among the agents it pinned; the
 * caller resolves the chosen one's pinned version.
 * @returns the agent's name and how it was chosen, or the `no_agent` failure (not retryable).
 */
export async function selectAgent(
  env: AppEnv,
  db: Database,
  tenantId: string,
  request: SelectionRequest,
  pinned?: Readonly<Record<string, PinnedAgent>>,
): Promise<{ name: string; selection: AgentSelection } | { error: StepError }> {
  const ranked = candidatesOf(await registryOf(db, tenantId), request, pinned);
  if (!ranked.length) {
    const where = request.domain ? ` in domain ${request.domain}` : '';
    const tried = request.exclude.length ? ` besides ${request.exclude.join(', ')}, which failed` : '';
    return {
      error: {
        code: 'no_agent',
        message: `no active agent has the skill ${request.skill}${where}${tried}; register one with capabilities.skills`,
        retryable: false,
      },
    };
  }
  const kept = ranked.findIndex((r) => r.agent.name === request.keep);
  const order = kept > 0 ? [ranked[kept]!, ...ranked.filter((_, i) => i !== kept)] : ranked;
  let chosen = order[0]!;
  let skipped = 0;
  for (const entry of order) {
    if (entry.agent.provider === 'builtin') {
      chosen = entry;
      break;
    }
    const circuit = await circuitOf(env, tenantId, entry.agent.name).status();
    if (circuit.state !== 'open') {
      chosen = entry;
      break;
    }
    skipped += 1;
  }
  const names = ranked.map((r) => r.agent.name);
  let reason =
    kept >= 0 && chosen.agent.name === request.keep
      ? `the previous attempt's agent, again (its retries are not spent)`
      : selectionReason(chosen.candidate, request.prefer, names.length, request.skill);
  if (skipped) reason += `; ${skipped} with an open circuit skipped`;
  if (request.exclude.length) reason += `; after ${request.exclude.join(', ')} failed`;
  return { name: chosen.agent.name, selection: { agent: chosen.agent.name, reason, candidates: names } };
}
