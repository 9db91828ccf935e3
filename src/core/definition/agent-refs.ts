import { parseAgentRef, type WorkflowDefinition } from '../../schemas/definition';
import type { AgentStatus } from '../../schemas/enums';
import type { Issue } from '../../schemas/errors';
import type { AgentSelector } from '../../schemas/steps';
import type { ToolSpec } from '../../schemas/tools';
import { buildPlan, type PlanNode } from './plan';

/** What registration knows of a registered agent: its current version, status and capabilities. */
export interface RegisteredAgent {
  version: number;
  status: AgentStatus;
  skills: readonly string[];
  domain?: string;
}

/** The agents a definition is checked against: their names, or (better) their registry entries. */
export type AgentScope = ReadonlySet<string> | ReadonlyMap<string, RegisteredAgent>;

/** The agents one step names: its `agent:` (a ref or a selection) and its `tools: [{ agent }]`, with their paths. */
export function agentRefsOf(node: PlanNode): {
  refs: { path: string; name: string; version?: number }[];
  selector?: { path: string; selector: AgentSelector };
} {
  const step = node.step as { agent?: string | AgentSelector; tools?: ToolSpec[] };
  const refs: { path: string; name: string; version?: number }[] = [];
  let selector: { path: string; selector: AgentSelector } | undefined;
  if (typeof step.agent === 'string') refs.push({ path: `${node.path}.agent`, ...parseAgentRef(step.agent) });
  else if (step.agent) selector = { path: `${node.path}.agent`, selector: step.agent };
  (step.tools ?? []).forEach((tool, i) => {
    if ('agent' in tool) refs.push({ path: `${node.path}.tools[${i}].agent`, name: tool.agent });
  });
  return { refs, ...(selector ? { selector } : {}) };
}

/** Whether an agent can serve a selection: active, with the skill (and the domain, when one is asked). */
export function servesSelection(agent: RegisteredAgent, selector: Pick<AgentSelector, 'skill' | 'domain'>): boolean {
  return (
    agent.status === 'active' &&
    agent.skills.includes(selector.skill) &&
    (selector.domain === undefined || agent.domain === selector.domain)
  );
}

/**
 * Registry checks of a step's agents (unknown names are reported by the caller): an `offline`
 * agent or a version `@N` past the agent's latest is an error; a `deprecated` agent, and a
 * selection no active agent can serve now, is a warning. Without registry entries (a set of
 * names) nothing is checked.
 */
export function registryIssues(node: PlanNode, agents: AgentScope): { issues: Issue[]; warnings: Issue[] } {
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  if (agents instanceof Set) return { issues, warnings };
  const registry = agents as ReadonlyMap<string, RegisteredAgent>;
  const { refs, selector } = agentRefsOf(node);
  for (const { path, name, version } of refs) {
    const agent = registry.get(name);
    if (!agent) continue;
    if (version !== undefined && version > agent.version)
      issues.push({ path, message: `agent '${name}' has no version ${version} (its latest is ${agent.version})` });
    if (agent.status === 'offline')
      issues.push({ path, message: `agent '${name}' is offline; name another agent or set it active again` });
    if (agent.status === 'deprecated') warnings.push({ path, message: `agent '${name}' is deprecated` });
  }
  if (selector && ![...registry.values()].some((a) => servesSelection(a, selector.selector))) {
    const { skill, domain } = selector.selector;
    warnings.push({
      path: selector.path,
      message: `no active agent has skill '${skill}'${domain ? ` in domain '${domain}'` : ''} now; the step fails with no_agent unless one is registered`,
    });
  }
  return { issues, warnings };
}

/** The agents a definition uses: the names it calls (`agent:`, agent tools) and its selections by skill. */
export interface AgentUses {
  names: ReadonlySet<string>;
  selections: readonly Pick<AgentSelector, 'skill' | 'domain'>[];
}

/** Collects {@link AgentUses} over every step of a definition (blocks and compensations included). */
export function agentUsesOf(def: WorkflowDefinition): AgentUses {
  const names = new Set<string>();
  const selections: Pick<AgentSelector, 'skill' | 'domain'>[] = [];
  for (const node of buildPlan(def).plan.nodes) {
    const { refs, selector } = agentRefsOf(node);
    for (const r of refs) names.add(r.name);
    if (selector) selections.push(selector.selector);
  }
  return { names, selections };
}

/**
 * Whether a definition's {@link AgentUses} include an agent: it names it or, with `bySkill`,
 * selects by a skill it has (and its domain, when the selection names one).
 */
export function usesAgent(
  uses: AgentUses,
  name: string,
  bySkill?: Pick<RegisteredAgent, 'skills' | 'domain'>,
): boolean {
  if (uses.names.has(name)) return true;
  return (
    !!bySkill &&
    uses.selections.some(
      (s) => bySkill.skills.includes(s.skill) && (s.domain === undefined || bySkill.domain === s.domain),
    )
  );
}
