import equal from 'fast-deep-equal';
import { and, eq, max } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { BatonError } from '../../../core/errors';
import type { AgentCapabilities, AgentRecord } from '../../../schemas/agent';
import { contentOf, definedOnly, loopOf, settingsOf, type AgentFields } from './agent-versions';
import { isUniqueViolation, type Database } from './client';
import { agents, agentVersions } from './schema';

export type { AgentFields } from './agent-versions';

type Row = typeof agents.$inferSelect;

/** Capabilities as stored: rows written before the registry hold a flat list of skills. */
function capabilitiesOf(stored: Row['capabilities']): AgentCapabilities {
  return Array.isArray(stored) ? { skills: stored, input_types: [], output_types: [] } : stored;
}

function toRecord(row: Row): AgentRecord {
  return {
    name: row.name,
    version: row.version,
    provider: row.provider,
    description: row.description ?? undefined,
    capabilities: capabilitiesOf(row.capabilities),
    config: row.config,
    ...definedOnly(row.loop),
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

/** The columns an agent record is stored in, besides its key, version and times. */
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

/** Whether a write would change nothing: the same content, whatever the key order. */
function sameContent(a: AgentFields | AgentRecord, b: AgentFields | AgentRecord): boolean {
  return equal(JSON.parse(JSON.stringify(contentOf(a))), JSON.parse(JSON.stringify(contentOf(b))));
}

/**
 * Writes `agent` as the version after `current` (v1 when there is none), atomically: the
 * `agent_versions` row (its primary key refuses a number taken by a concurrent write) and the
 * `agents` row (compare-and-swap on the version it replaces).
 * @returns the new record, or null when a concurrent write took that version first.
 */
async function writeVersion(
  db: Database,
  tenantId: string,
  agent: AgentFields,
  current: AgentRecord | null,
  now: string,
): Promise<AgentRecord | null> {
  // A deleted agent's versions stay (runs pinned to them go on): a new one of that name numbers on.
  const version = (current?.version ?? (await highestVersion(db, tenantId, agent.name))) + 1;
  const key = and(eq(agents.tenantId, tenantId), eq(agents.name, agent.name));
  const row = { ...columnsOf(agent), version, updatedAt: now };
  const write = current
    ? db
        .update(agents)
        .set(row)
        .where(and(key, eq(agents.version, current.version)))
        .returning()
    : db
        .insert(agents)
        .values({ tenantId, name: agent.name, ...row, createdAt: now })
        .returning();
  const record = JSON.parse(JSON.stringify(contentOf(agent))) as Record<string, unknown>;
  try {
    const [written] = await db.batch([
      write,
      db.insert(agentVersions).values({ tenantId, name: agent.name, version, record, createdAt: now }),
    ]);
    cached.delete(`${tenantId}:${agent.name}`);
    if (written[0]) return toRecord(written[0]);
    // The agent was deleted meanwhile: take back the lone version row.
    await db
      .delete(agentVersions)
      .where(
        and(
          eq(agentVersions.tenantId, tenantId),
          eq(agentVersions.name, agent.name),
          eq(agentVersions.version, version),
        ),
      );
    return null;
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/** Attempts at a write that lose to concurrent writes before {@link putAgent} gives up. */
const WRITE_TRIES = 3;

/**
 * Creates or changes an agent. A change makes a new immutable version (v1, v2 …) and bumps the
 * record's `version`; a write identical to the current version changes nothing.
 * @returns the current record, whether it was new, and whether a version was made.
 * @throws {BatonError} `conflict` when concurrent writes kept winning.
 */
export async function putAgent(
  db: Database,
  tenantId: string,
  agent: AgentFields,
  now: string,
): Promise<{ agent: AgentRecord; created: boolean; changed: boolean }> {
  for (let i = 0; i < WRITE_TRIES; i++) {
    const current = await getAgent(db, tenantId, agent.name);
    if (current && sameContent(current, agent)) return { agent: current, created: false, changed: false };
    const written = await writeVersion(db, tenantId, agent, current, now);
    if (written) return { agent: written, created: !current, changed: true };
  }
  throw new BatonError('conflict', `agent ${agent.name} is being changed concurrently; try again`);
}

/**
 * Creates an agent (v1) only when none of that name exists, in one atomic batch: an existing
 * record, whoever wrote it and whenever, is left as it is.
 * @returns whether the agent was created.
 */
export async function createAgentIfAbsent(
  db: Database,
  tenantId: string,
  agent: AgentFields,
  now: string,
): Promise<boolean> {
  return (await writeVersion(db, tenantId, agent, null, now)) !== null;
}

/**
 * Replaces an agent (a new version) only while its current version is exactly `expected` (all
 * its content compared), so a change made by anyone since is kept: the write is a compare-and-swap
 * on the version it read.
 * @returns whether the agent was replaced.
 */
export async function replaceAgentIfUnchanged(
  db: Database,
  tenantId: string,
  expected: AgentFields,
  next: AgentFields,
  now: string,
): Promise<boolean> {
  const current = await getAgent(db, tenantId, expected.name);
  if (!current || !sameContent(current, expected)) return false;
  return (await writeVersion(db, tenantId, next, current, now)) !== null;
}

/**
 * Deletes an agent: it is no longer registered (new runs cannot name it). Its versions are kept, so
 * version numbers are never reused (an agent registered again under the name numbers on) and a
 * version a run pinned keeps meaning what it meant. @returns whether it existed.
 */
export async function deleteAgent(db: Database, tenantId: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(agents)
    .where(and(eq(agents.tenantId, tenantId), eq(agents.name, name)))
    .returning({ name: agents.name });
  cached.delete(`${tenantId}:${name}`);
  return deleted.length > 0;
}

/** The highest version ever written of an agent (0 when none): kept past a delete. */
async function highestVersion(db: Database, tenantId: string, name: string): Promise<number> {
  const [row] = await db
    .select({ version: max(agentVersions.version) })
    .from(agentVersions)
    .where(and(eq(agentVersions.tenantId, tenantId), eq(agentVersions.name, name)));
  return row?.version ?? 0;
}
