import { buildPlan, type PlanNode } from '../../core/definition';
import { planExecution } from '../../core/policy/planner';
import type { PlanEstimate } from '../../schemas/api/plans';
import type { WorkflowDefinition } from '../../schemas/definition';
import { parseAgentRef } from '../../schemas/names';
import { callCostOf, type RegistryEntry } from './registry';

/** The agents an agent step may call: the named one, or every plannable agent with the skill (and domain). */
function candidatesOf(node: PlanNode, registry: readonly RegistryEntry[]): RegistryEntry[] {
  if (!('agent' in node.step)) return [];
  const choice = node.step.agent;
  if (typeof choice === 'string') {
    const { name } = parseAgentRef(choice);
    return registry.filter((e) => e.name === name);
  }
  return registry.filter(
    (e) =>
      e.status !== 'offline' &&
      e.skills.includes(choice.skill) &&
      (choice.domain === undefined || e.domain === choice.domain),
  );
}

function agentLabel(node: PlanNode): string | null {
  if (!('agent' in node.step)) return null;
  const choice = node.step.agent;
  return typeof choice === 'string' ? choice : `skill:${choice.skill}`;
}

function min(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.min(...known) : null;
}

/**
 * Estimates a validated definition: its steps, DAG and critical path (src/core/policy/planner.ts),
 * each agent step's duration from its agent's p50 latency and its cost from the agent's history or
 * `pricing.per_call` (a selection by skill takes its cheapest and fastest candidates). A foreach
 * counts one item, a switch every case (an upper bound); steps that call no agent cost nothing.
 */
export function estimatePlan(def: WorkflowDefinition, registry: readonly RegistryEntry[]): PlanEstimate {
  const { plan } = buildPlan(def);
  const durations = new Map<string, number>();
  const costs = new Map<string, number | null>();
  for (const node of plan.nodes) {
    if (!('agent' in node.step)) continue;
    const candidates = candidatesOf(node, registry);
    const p50 = min(candidates.map((c) => c.p50Ms));
    if (p50 !== null) durations.set(node.id, p50);
    costs.set(node.id, min(candidates.map(callCostOf)));
  }
  const execution = planExecution(plan, durations);
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const steps = execution.nodes.map((n) => ({
    id: n.id,
    kind: n.kind,
    agent: agentLabel(byId.get(n.id)!),
    needs: n.needs,
    estimateMs: n.estimateMs,
    costUsd: costs.has(n.id) ? costs.get(n.id)! : 0,
  }));
  const costUsd = steps.reduce((sum, s) => sum + (s.costUsd ?? 0), 0);
  return {
    steps,
    edges: execution.edges,
    criticalPath: execution.criticalPath.steps,
    durationMs: execution.criticalPath.estimateMs,
    costUsd: Math.round(costUsd * 1e6) / 1e6,
    costUnknown: steps.filter((s) => s.costUsd === null).map((s) => s.id),
  };
}
