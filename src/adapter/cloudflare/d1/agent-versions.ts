import { and, desc, eq } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { PinnedAgent } from '../../../core/engine/types';
import type { AgentCapabilities, AgentLoop, AgentRecord, AgentRegistrySettings } from '../../../schemas/agent';
import type { RegisteredAgent } from '../../../core/definition/agent-refs';
import type { Database } from './client';
import { agents, agentVersions } from './schema';

/** An agent's content as one version stores it: everything but its name, number and times. */
export type AgentContent = Omit<AgentRecord, 'name' | 'version' | 'createdAt' | 'updatedAt'>;

/** The fields a write gives (the record without its number and times). */
export type AgentFields = Omit<AgentRecord, 'createdAt' | 'updatedAt' | 'version'>;

/** `value` without its undefined keys (the API answers only what was set). */
export function definedOnly<T extends object>(value: T | null | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The content of an agent record, as a version row stores it and as two writes are compared. */
export function contentOf(agent: AgentFields | AgentRecord): AgentContent {
  const { name: _n, ...rest } = agent as AgentRecord;
  const { version: _v, createdAt: _c, updatedAt: _u, ...content } = rest;
  return definedOnly(content) as AgentContent;
}

/** A stored version row as a record: `createdAt` and `updatedAt` are both the time the version was made. */
function versionRecord(row: typeof agentVersions.$inferSelect): AgentRecord {
  const content = row.record as AgentContent & { capabilities: AgentCapabilities | string[] };
  const capabilities = Array.isArray(content.capabilities)
    ? { skills: content.capabilities, input_types: [], output_types: [] }
    : content.capabilities;
  return {
    ...content,
    capabilities,
    name: row.name,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.createdAt,
  };
}

/** Every version of an agent, newest first (at most `limit`). */
export async function listAgentVersions(
  db: Database,
  tenantId: string,
  name: string,
  limit = 1_000,
): Promise<AgentRecord[]> {
  const rows = await db
    .select()
    .from(agentVersions)
    .where(and(eq(agentVersions.tenantId, tenantId), eq(agentVersions.name, name)))
    .orderBy(desc(agentVersions.version))
    .limit(limit);
  return rows.map(versionRecord);
}

/** One version of an agent. @returns null when that version does not exist. */
export async function getAgentVersion(
  db: Database,
  tenantId: string,
  name: string,
  version: number,
): Promise<AgentRecord | null> {
  const row = await db.query.agentVersions.findFirst({
    where: and(eq(agentVersions.tenantId, tenantId), eq(agentVersions.name, name), eq(agentVersions.version, version)),
  });
  return row ? versionRecord(row) : null;
}

/** Most agent versions (`<tenant>:<name>@<n>`) one isolate keeps; the least recently used are read again. */
export const AGENT_VERSION_CACHE_MAX = 1_000;

/** Versions never change, so a found one is kept until evicted (or its agent is deleted here). */
const versions = new LRUCache<string, AgentRecord>({ max: AGENT_VERSION_CACHE_MAX });

/**
 * One version of an agent for step execution, cached in the isolate (versions are immutable).
 * @returns null when that version does not exist (not cached: it may be written later).
 */
export async function getAgentVersionForStep(
  db: Database,
  tenantId: string,
  name: string,
  version: number,
): Promise<AgentRecord | null> {
  const key = `${tenantId}:${name}@${version}`;
  const hit = versions.get(key);
  if (hit) return hit;
  const found = await getAgentVersion(db, tenantId, name, version);
  if (found) versions.set(key, found);
  return found;
}

/**
 * The tenant's agents as a run pins them at start, in one query: each one's current version and
 * its `timeout` and `retry` (the defaults of steps that set none).
 */
export async function pinnedAgents(db: Database, tenantId: string): Promise<Record<string, PinnedAgent>> {
  const rows = await db
    .select({ name: agents.name, version: agents.version, settings: agents.settings })
    .from(agents)
    .where(eq(agents.tenantId, tenantId));
  return Object.fromEntries(
    rows.map((r) => [
      r.name,
      definedOnly({ version: r.version, timeout: r.settings?.timeout, retry: r.settings?.retry }) as PinnedAgent,
    ]),
  );
}

/** The tenant's agents by name, for definition validation (one query). */
export async function agentCatalog(db: Database, tenantId: string): Promise<Map<string, RegisteredAgent>> {
  const rows = await db
    .select({ name: agents.name, version: agents.version, status: agents.status, capabilities: agents.capabilities })
    .from(agents)
    .where(eq(agents.tenantId, tenantId));
  return new Map(
    rows.map((r) => {
      const caps: { skills?: string[]; domain?: string } = Array.isArray(r.capabilities)
        ? { skills: r.capabilities }
        : r.capabilities;
      return [
        r.name,
        definedOnly({ version: r.version, status: r.status, skills: caps.skills ?? [], domain: caps.domain }),
      ];
    }) as [string, RegisteredAgent][],
  );
}

/** The loop keys of an agent as stored: null when it has none. */
export function loopOf(agent: AgentLoop): AgentLoop | null {
  const loop = definedOnly<AgentLoop>({
    tools: agent.tools,
    output_schema: agent.output_schema,
    max_turns: agent.max_turns,
    max_tool_calls: agent.max_tool_calls,
  });
  return Object.keys(loop).length ? loop : null;
}

/** The registry settings of an agent as stored: null when none is set. */
export function settingsOf(agent: AgentRegistrySettings): AgentRegistrySettings | null {
  const settings = definedOnly<AgentRegistrySettings>({
    pricing: agent.pricing,
    max_concurrency: agent.max_concurrency,
    timeout: agent.timeout,
    retry: agent.retry,
    replaced_by: agent.replaced_by,
  });
  return Object.keys(settings).length ? settings : null;
}
