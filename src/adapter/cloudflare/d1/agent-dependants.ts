import { and, eq } from 'drizzle-orm';
import { agentUsesOf, usesAgent, type AgentUses } from '../../../core/definition/agent-refs';
import type { AgentRecord } from '../../../schemas/agent';
import type { WorkflowDefinition } from '../../../schemas/definition';
import type { Database } from './client';
import { workflows, workflowVersions } from './schema';

/** Most workflows read to count an agent's dependants; past it the counts are a lower bound. */
export const MAX_DEPENDANT_SCAN = 5_000;

/** The latest version's definition of each of the tenant's workflows, by name. */
async function latestDefinitions(
  db: Database,
  tenantId: string,
): Promise<{ name: string; definition: WorkflowDefinition }[]> {
  const rows = await db
    .select({ name: workflowVersions.name, definition: workflowVersions.definition })
    .from(workflows)
    .innerJoin(
      workflowVersions,
      and(
        eq(workflowVersions.tenantId, workflows.tenantId),
        eq(workflowVersions.name, workflows.name),
        eq(workflowVersions.version, workflows.latestVersion),
      ),
    )
    .where(eq(workflows.tenantId, tenantId))
    .orderBy(workflows.name)
    .limit(MAX_DEPENDANT_SCAN);
  return rows.map((r) => ({ name: r.name, definition: r.definition as WorkflowDefinition }));
}

/** What a stored definition uses; one that no longer reads as a definition uses nothing. */
function usesOf(definition: WorkflowDefinition): AgentUses {
  try {
    return agentUsesOf(definition);
  } catch {
    return { names: new Set(), selections: [] };
  }
}

/** The workflows whose latest version names the agent (`agent: name`, `name@N`, or an agent tool), by name. */
export async function workflowsNaming(db: Database, tenantId: string, name: string): Promise<string[]> {
  return (await latestDefinitions(db, tenantId)).filter((w) => usesOf(w.definition).names.has(name)).map((w) => w.name);
}

/**
 * Each agent's dependants: how many workflows' latest version name it, or select by a skill it
 * has (and its domain, when the selection names one).
 * @returns agent name → count.
 */
export async function dependantCounts(
  db: Database,
  tenantId: string,
  agents: readonly AgentRecord[],
): Promise<Map<string, number>> {
  const uses = (await latestDefinitions(db, tenantId)).map((w) => usesOf(w.definition));
  return new Map(agents.map((a) => [a.name, uses.filter((u) => usesAgent(u, a.name, a.capabilities)).length]));
}
