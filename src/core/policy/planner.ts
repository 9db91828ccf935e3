import { durationMs } from '../definition/duration';
import { childLists, type Plan, type PlanNode } from '../definition/plan';

/** Estimated duration of a leaf step that has no history, ms. */
export const DEFAULT_ESTIMATE_MS = 1_000;

/** A workflow's execution plan: its DAG, what can run together, and the critical path. */
export interface ExecutionPlan {
  nodes: {
    id: string;
    kind: string;
    list: string;
    parent: string | null;
    needs: string[];
    estimateMs: number;
    estimated: 'history' | 'default' | 'definition';
  }[];
  edges: { from: string; to: string }[];
  /** Steps that can run at the same time: the levels of the top-level DAG, and each parallel block's children. */
  groups: { list: string; steps: string[] }[];
  /** The longest chain of the top-level DAG by estimated duration (blocks count as their inner critical path). */
  criticalPath: { steps: string[]; estimateMs: number };
}

/**
 * Plans a workflow for reading: the DAG, parallel groups and critical path. Durations come from
 * `history` (mean ms of past successful attempts by step id) when known, from the definition for
 * `sleep`, else `DEFAULT_ESTIMATE_MS`. A foreach counts one batch of its `do:` list (its items are
 * known only at run time); a switch its slowest case; a parallel block its children by `wait_for`.
 * Longest path by dynamic programming over the topological order.
 */
export function planExecution(plan: Plan, history: ReadonlyMap<string, number>): ExecutionPlan {
  const estimates = new Map<string, { ms: number; source: 'history' | 'default' | 'definition' }>();
  const estimate = (node: PlanNode): number => {
    const known = estimates.get(node.id);
    if (known) return known.ms;
    let value: { ms: number; source: 'history' | 'default' | 'definition' };
    const step = node.step;
    if ('sleep' in step) value = { ms: durationMs(step.sleep), source: 'definition' };
    else if ('parallel' in step || 'cases' in step || 'do' in step) {
      const lists = childLists(step, node.path)
        .map((c) => longestPath(plan, c.list, estimate).ms)
        .sort((a, b) => a - b);
      const waitFor = 'parallel' in step ? step.wait_for : 'all';
      const ms =
        'parallel' in step && waitFor !== 'all'
          ? (lists[(waitFor === 'any' ? 1 : waitFor) - 1] ?? 0)
          : Math.max(0, ...lists);
      value = { ms, source: 'definition' };
    } else if (history.has(node.id)) value = { ms: Math.round(history.get(node.id)!), source: 'history' };
    else value = { ms: DEFAULT_ESTIMATE_MS, source: 'default' };
    estimates.set(node.id, value);
    return value.ms;
  };
  const nodes = plan.nodes.map((n) => {
    const ms = estimate(n);
    return {
      id: n.id,
      kind: n.kind,
      list: n.list,
      parent: n.parent,
      needs: n.deps,
      estimateMs: ms,
      estimated: estimates.get(n.id)!.source,
    };
  });
  const edges = plan.nodes.flatMap((n) => n.deps.map((d) => ({ from: d, to: n.id })));
  const groups: ExecutionPlan['groups'] = levels(plan, 'root').map((steps) => ({ list: 'root', steps }));
  for (const n of plan.nodes) {
    if ('parallel' in n.step)
      groups.push({ list: n.id, steps: childLists(n.step, n.path).map((c) => plan.lists.get(c.list)![0]!) });
  }
  const { ms, steps } = longestPath(plan, 'root', estimate);
  return { nodes, edges, groups, criticalPath: { steps, estimateMs: ms } };
}

function longestPath(plan: Plan, list: string, estimate: (n: PlanNode) => number): { ms: number; steps: string[] } {
  const finish = new Map<string, { ms: number; via?: string }>();
  for (const id of plan.lists.get(list) ?? []) {
    const node = plan.byId.get(id)!;
    if (node.isErrorHandler) continue;
    let best: { ms: number; via?: string } = { ms: 0 };
    for (const dep of node.deps) {
      const f = finish.get(dep);
      if (f && f.ms > best.ms) best = { ms: f.ms, via: dep };
    }
    finish.set(id, { ms: best.ms + estimate(node), via: best.via });
  }
  let end: string | undefined;
  for (const [id, f] of finish) if (!end || f.ms > finish.get(end)!.ms) end = id;
  const steps: string[] = [];
  for (let at = end; at; at = finish.get(at)?.via) steps.unshift(at);
  return { ms: end ? finish.get(end)!.ms : 0, steps };
}

/** Levels of a list's DAG: level 0 has no dependencies, level k depends on level k−1 at most. */
function levels(plan: Plan, list: string): string[][] {
  const level = new Map<string, number>();
  const out: string[][] = [];
  for (const id of plan.lists.get(list) ?? []) {
    const node = plan.byId.get(id)!;
    if (node.isErrorHandler) continue;
    const l = Math.max(-1, ...node.deps.map((d) => level.get(d) ?? -1)) + 1;
    level.set(id, l);
    out[l] = [...(out[l] ?? []), id];
  }
  return out;
}
