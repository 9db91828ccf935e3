import { and, eq, isNull } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { AgentCapabilities, AgentLoop, AgentRecord, AgentRegistrySettings } from '../../../schemas/agent';
import type { Database } from './client';
import { agents } from './schema';

type Row = typeof agents.$inferSelect;

/** The stored loop keys without the unset ones (the API answers only what was set). */
function loopFields(loop: AgentLoop | null): AgentLoop {
  return Object.fromEntries(Object.entries(loop ?? {}).filter(([, v]) => v !== undefined));
}

/** The loop keys of an agent as stored: null when it has none. */
function loopOf(agent: AgentLoop): AgentLoop | null {
  const loop = loopFields({
    tools: agent.tools,
    output_schema: agent.output_schema,
    max_turns: agent.max_turns,
    max_tool_calls: agent.max_tool_calls,
  });
  return Object.keys(loop).length ? loop : null;
}

/** Capabilities as stored: rows written before the registry hold a flat list of skills. */
function capabilitiesOf(stored: Row['capabilities']): AgentCapabilities {
  return Array.isArray(stored) ? { skills: stored, input_types: [], output_types: [] } : stored;
}

/** The registry settings of an agent as stored: null when none is set. */
function settingsOf(agent: AgentRegistrySettings): AgentRegistrySettings | null {
  const settings = Object.fromEntries(
    Object.entries({
      pricing: agent.pricing,
      max_concurrency: agent.max_concurrency,
      timeout: agent.timeout,
      retry: agent.retry,
      replaced_by: agent.replaced_by,
    }).filter(([, v]) => v !== undefined),
  );
  return Object.keys(settings).length ? settings : null;
}

function toRecord(row: Row): AgentRecord {
  return {
    name: row.name,
    version: row.version,
    provider: row.provider,
    description: row.description ?? undefined,
    capabilities: capabilitiesOf(row.capabilities),
    config: row.config,
    ...loopFields(row.loop),
    ...(row.settings ?? {}),
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** One agent by name. @returns null when it is not registered. */
export async function getAgent(db: Database, tenantId: string, name: string): Promise<AgentRecord | null> {
  const row = await db.query.agents.findFirst({ where: and(eq(agents.tenantId, tenantId), eq(agents.name, name)) });
  return row ? toRecord(row) : null;
}

/** How long a step executor reuses an agent record it read, ms: registry changes reach steps within this. */
export const AGENT_CACHE_MS = 5_000;

/** Most agent records (`<tenant>:<name>`) one isolate keeps; the least recently used are read again. */
export const AGENT_CACHE_MAX = 1_000;

/** No timers (`ttlAutopurge: false`, `ttlResolution: 0`): an entry expires when read, so nothing keeps the isolate busy. */
const cached = new LRUCache<string, Promise<AgentRecord | null>>({
  max: AGENT_CACHE_MAX,
  ttl: AGENT_CACHE_MS,
  ttlAutopurge: false,
  ttlResolution: 0,
  perf: Date,
});

/**
 * One agent by name, for step execution: read once per {@link AGENT_CACHE_MS} per isolate instead
 * of once per step (concurrent steps share one read). {@link putAgent} refreshes this isolate's copy.
 */
export function getAgentForStep(db: Database, tenantId: string, name: string): Promise<AgentRecord | null> {
  const key = `${tenantId}:${name}`;
  const hit = cached.get(key);
  if (hit) return hit;
  const agent = getAgent(db, tenantId, name);
  cached.set(key, agent);
  agent.catch(() => cached.peek(key) === agent && cached.delete(key));
  return agent;
}

/** Every agent of the tenant, by name. */
export async function listAgents(db: Database, tenantId: string): Promise<AgentRecord[]> {
  const rows = await db.select().from(agents).where(eq(agents.tenantId, tenantId)).orderBy(agents.name);
  return rows.map(toRecord);
}

/** Names of the tenant's agents, for definition validation. */
export async function agentNames(db: Database, tenantId: string): Promise<Set<string>> {
  const rows = await db.select({ name: agents.name }).from(agents).where(eq(agents.tenantId, tenantId));
  return new Set(rows.map((r) => r.name));
}

type AgentFields = Omit<AgentRecord, 'createdAt' | 'updatedAt' | 'version'>;

/** The columns an agent record is stored in, besides its key and times. */
function columnsOf(agent: AgentFields) {
  return {
    provider: agent.provider,
    description: agent.description ?? null,
    capabilities: agent.capabilities,
    config: agent.config,
    loop: loopOf(agent),
    status: agent.status,
    settings: settingsOf(agent),
  };
}

/** Creates or replaces an agent. @returns the stored record and whether it was new. */
export async function putAgent(
  db: Database,
  tenantId: string,
  agent: AgentFields,
  now: string,
): Promise<{ agent: AgentRecord; created: boolean }> {
  const existing = await getAgent(db, tenantId, agent.name);
  const values = { tenantId, name: agent.name, ...columnsOf(agent), updatedAt: now };
  const [row] = await db
    .insert(agents)
    .values({ ...values, createdAt: now })
    .onConflictDoUpdate({ target: [agents.tenantId, agents.name], set: values })
    .returning();
  cached.delete(`${tenantId}:${agent.name}`);
  return { agent: toRecord(row!), created: !existing };
}

/**
 * Creates an agent only when none of that name exists (`INSERT … ON CONFLICT DO NOTHING`, one
 * statement): an existing record, whoever wrote it and whenever, is left as it is.
 * @returns whether the agent was created.
 */
export async function createAgentIfAbsent(
  db: Database,
  tenantId: string,
  agent: AgentFields,
  now: string,
): Promise<boolean> {
  const rows = await db
    .insert(agents)
    .values({ tenantId, name: agent.name, ...columnsOf(agent), createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning({ name: agents.name });
  cached.delete(`${tenantId}:${agent.name}`);
  return rows.length > 0;
}

/**
 * Replaces an agent only while it is exactly `expected` (provider, description, capabilities,
 * config and loop keys, compared in the one `UPDATE` statement), so a change made by anyone since
 * is kept. The loop keys (`tools`, …) are replaced with `next`'s.
 * @returns whether the agent was replaced.
 */
export async function replaceAgentIfUnchanged(
  db: Database,
  tenantId: string,
  expected: AgentFields,
  next: AgentFields,
  now: string,
): Promise<boolean> {
  const expectedLoop = loopOf(expected);
  const rows = await db
    .update(agents)
    .set({ ...columnsOf(next), updatedAt: now })
    .where(
      and(
        eq(agents.tenantId, tenantId),
        eq(agents.name, expected.name),
        eq(agents.provider, expected.provider),
        expected.description === undefined ? isNull(agents.description) : eq(agents.description, expected.description),
        eq(agents.capabilities, expected.capabilities),
        eq(agents.config, expected.config),
        expectedLoop === null ? isNull(agents.loop) : eq(agents.loop, expectedLoop),
      ),
    )
    .returning({ name: agents.name });
  cached.delete(`${tenantId}:${expected.name}`);
  return rows.length > 0;
}
