import type { Step, WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';

/** A step with its resolved dependencies. `explicitNeeds` is false when it follows the step before it. */
export interface GraphNode {
  id: string;
  index: number;
  step: Step;
  deps: string[];
  explicitNeeds: boolean;
  /** True for a step named by another step's `on_error`: it runs only as that error's handler. */
  isErrorHandler: boolean;
}

/** The DAG of a workflow's steps, in topological order (ties keep list order). */
export interface WorkflowGraph {
  nodes: GraphNode[];
  byId: Map<string, GraphNode>;
}

const RESERVED_ON_ERROR = new Set(['fail', 'continue']);

/**
 * Builds the step graph: a step depends on `needs`, or else on the step before it in the list.
 * Error-handler steps (named by an `on_error`) have no implicit dependency and are no one's
 * implicit predecessor. Reports unknown `needs`/`on_error` targets
 * and cycles with their paths.
 */
export function buildGraph(def: WorkflowDefinition): { graph: WorkflowGraph; issues: Issue[] } {
  const issues: Issue[] = [];
  const ids = new Map(def.steps.map((s, i) => [s.id, i]));
  const handlers = new Set(
    def.steps.map((s) => s.on_error).filter((t): t is string => !!t && !RESERVED_ON_ERROR.has(t)),
  );
  const nodes: GraphNode[] = [];
  let previous: string | undefined;
  def.steps.forEach((step, index) => {
    const isErrorHandler = handlers.has(step.id);
    const deps = step.needs ?? (isErrorHandler || !previous ? [] : [previous]);
    step.needs?.forEach((need, j) => {
      if (!ids.has(need)) issues.push({ path: `steps[${index}].needs[${j}]`, message: `unknown step '${need}'` });
      if (need === step.id) issues.push({ path: `steps[${index}].needs[${j}]`, message: 'a step cannot need itself' });
    });
    if (step.on_error && !RESERVED_ON_ERROR.has(step.on_error)) {
      if (!ids.has(step.on_error)) {
        issues.push({ path: `steps[${index}].on_error`, message: `expected fail, continue or a step id; '${step.on_error}' is not a step` });
      } else if (step.on_error === step.id) {
        issues.push({ path: `steps[${index}].on_error`, message: 'a step cannot handle its own error' });
      }
    }
    nodes.push({ id: step.id, index, step, deps: deps.filter((d) => ids.has(d) && d !== step.id), explicitNeeds: !!step.needs, isErrorHandler });
    if (!isErrorHandler) previous = step.id;
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ordered = topologicalOrder(nodes, byId, issues);
  return { graph: { nodes: ordered, byId }, issues };
}

function topologicalOrder(nodes: GraphNode[], byId: Map<string, GraphNode>, issues: Issue[]): GraphNode[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const out: GraphNode[] = [];
  const visit = (node: GraphNode, trail: string[]): void => {
    const seen = state.get(node.id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(node.id)), node.id].join(' → ');
      issues.push({ path: `steps[${node.index}].needs`, message: `dependency cycle: ${cycle}` });
      return;
    }
    state.set(node.id, 'visiting');
    for (const dep of node.deps) {
      const depNode = byId.get(dep);
      if (depNode) visit(depNode, [...trail, node.id]);
    }
    state.set(node.id, 'done');
    out.push(node);
  };
  for (const node of nodes) visit(node, []);
  return out;
}

/** Every step that runs before `id` (its transitive dependencies). */
export function ancestors(graph: WorkflowGraph, id: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(graph.byId.get(id)?.deps ?? [])];
  while (stack.length) {
    const dep = stack.pop()!;
    if (out.has(dep)) continue;
    out.add(dep);
    stack.push(...(graph.byId.get(dep)?.deps ?? []));
  }
  return out;
}
