import { and, eq } from 'drizzle-orm';
import type { AgentRecord } from '../schemas/agent';
import type { Database } from './client';
import { agents } from './schema';

type Row = typeof agents.$inferSelect;

function toRecord(row: Row): AgentRecord {
  return {
    name: row.name, provider: row.provider, description: row.description ?? undefined, capabilities: row.capabilities,
    config: row.config, createdAt: row.createdAt, updatedAt: row.updatedAt,
  };
}

/** One agent by name. @returns null when it is not registered. */
export async function getAgent(db: Database, tenantId: string, name: string): Promise<AgentRecord | null> {
  const row = await db.query.agents.findFirst({ where: and(eq(agents.tenantId, tenantId), eq(agents.name, name)) });
  return row ? toRecord(row) : null;
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

/** Creates or replaces an agent. @returns the stored record and whether it was new. */
export async function putAgent(db: Database, tenantId: string, agent: Omit<AgentRecord, 'createdAt' | 'updatedAt'>, now: string): Promise<{ agent: AgentRecord; created: boolean }> {
  const existing = await getAgent(db, tenantId, agent.name);
  const values = {
    tenantId, name: agent.name, provider: agent.provider, description: agent.description ?? null,
    capabilities: agent.capabilities, config: agent.config, updatedAt: now,
  };
  const [row] = await db.insert(agents).values({ ...values, createdAt: now })
    .onConflictDoUpdate({ target: [agents.tenantId, agents.name], set: values }).returning();
  return { agent: toRecord(row!), created: !existing };
}
