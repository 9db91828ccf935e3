import type { WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import type { Step, StepKind } from '../../schemas/steps';
import { STEP_KINDS } from '../../schemas/steps';

/**
 * The normalised graph of a workflow: every step at any depth (and every `compensate:` step) as a
 * node, grouped into lists. A list runs like the top level: in order, or by `needs:`. Blocks own
 * lists: a parallel block one list per child, a switch one per case, a foreach its `do:` list.
 */
export interface PlanNode {
  id: string;
  /** Where the step is written, e.g. `steps[2].parallel[0]`. */
  path: string;
  kind: StepKind;
  step: Step;
  /** The list the node belongs to: `root`, `<block>#<i>`, `<block>:case:<key>`, `<block>:default`, `<block>:do`, `compensate`. */
  list: string;
  /** The block that owns the list, or null at the top level. */
  parent: string | null;
  deps: string[];
  explicitNeeds: boolean;
  /** Named by another step's `on_error`: runs only as that error's handler. */
  isErrorHandler: boolean;
  /** Inside a foreach `do:` (directly or deeper): one instance per iteration. */
  inForeach: boolean;
  /** For a compensation node: the step it compensates. */
  compensates?: string;
}

export interface Plan {
  nodes: PlanNode[];
  byId: Map<string, PlanNode>;
  /** Node ids of each list, in topological order (ties keep list order). */
  lists: Map<string, string[]>;
  /** Compensation node id of each step that has `compensate:`. */
  compensation: Map<string, string>;
}

const RESERVED_ON_ERROR = new Set(['fail', 'continue']);

/** The kind of a validated step. */
export function stepKind(step: Step): StepKind {
  return STEP_KINDS.find((k) => k in step)!;
}

/** Child lists of a block step, with their list keys and paths. */
export function childLists(step: Step, path: string): { list: string; path: string; steps: Step[] }[] {
  if ('parallel' in step)
    return step.parallel.map((child, i) => ({
      list: `${step.id}#${i}`,
      path: `${path}.parallel[${i}]`,
      steps: [child],
    }));
  if ('cases' in step) {
    const out = Object.entries(step.cases).map(([key, steps]) => ({
      list: `${step.id}:case:${key}`,
      path: `${path}.cases.${key}`,
      steps,
    }));
    if (step.default) out.push({ list: `${step.id}:default`, path: `${path}.default`, steps: step.default });
    return out;
  }
  if ('do' in step) return [{ list: `${step.id}:do`, path: `${path}.do`, steps: step.do }];
  return [];
}

/**
 * Builds the plan and reports structural problems with their paths: duplicate ids (anywhere in the
 * workflow), unknown `needs` (they must name a step of the same list) and `on_error` targets, cycles.
 */
export function buildPlan(def: WorkflowDefinition): { plan: Plan; issues: Issue[] } {
  const issues: Issue[] = [];
  const nodes: PlanNode[] = [];
  const lists = new Map<string, string[]>();
  const compensation = new Map<string, string>();
  const seen = new Map<string, string>();
  const claim = (id: string, path: string) => {
    const first = seen.get(id);
    if (first) issues.push({ path: `${path}.id`, message: `duplicate step id '${id}' (first used at ${first})` });
    else seen.set(id, path);
  };

  const addList = (
    list: string,
    steps: Step[],
    basePath: string,
    parent: string | null,
    inForeach: boolean,
    single = false,
  ) => {
    const ids = new Set(steps.map((s) => s.id));
    const handlers = new Set(steps.map((s) => s.on_error).filter((t): t is string => !!t && !RESERVED_ON_ERROR.has(t)));
    const listNodes: PlanNode[] = [];
    let previous: string | undefined;
    steps.forEach((step, i) => {
      const path = single ? basePath : `${basePath}[${i}]`;
      claim(step.id, path);
      step.needs?.forEach((need, j) => {
        if (!ids.has(need))
          issues.push({
            path: `${path}.needs[${j}]`,
            message: `unknown step '${need}' (needs must name a step of the same list)`,
          });
        if (need === step.id) issues.push({ path: `${path}.needs[${j}]`, message: 'a step cannot need itself' });
      });
      if (step.on_error && !RESERVED_ON_ERROR.has(step.on_error)) {
        if (!ids.has(step.on_error))
          issues.push({
            path: `${path}.on_error`,
            message: `expected fail, continue or the id of a step in the same list; '${step.on_error}' is not one`,
          });
        else if (step.on_error === step.id)
          issues.push({ path: `${path}.on_error`, message: 'a step cannot handle its own error' });
      }
      const isErrorHandler = handlers.has(step.id);
      const deps = (step.needs ?? (isErrorHandler || !previous ? [] : [previous])).filter(
        (d) => ids.has(d) && d !== step.id,
      );
      const node: PlanNode = {
        id: step.id,
        path,
        kind: stepKind(step),
        step,
        list,
        parent,
        deps,
        explicitNeeds: !!step.needs,
        isErrorHandler,
        inForeach,
      };
      listNodes.push(node);
      nodes.push(node);
      if (!isErrorHandler) previous = step.id;
      if (step.compensate) {
        const compId = step.compensate.id ?? `${step.id}_compensate`;
        claim(compId, `${path}.compensate`);
        const compStep = { ...step.compensate, id: compId } as Step;
        nodes.push({
          id: compId,
          path: `${path}.compensate`,
          kind: stepKind(compStep),
          step: compStep,
          list: 'compensate',
          parent: null,
          deps: [],
          explicitNeeds: false,
          isErrorHandler: false,
          inForeach,
          compensates: step.id,
        });
        compensation.set(step.id, compId);
      }
      for (const child of childLists(step, path))
        addList(child.list, child.steps, child.path, step.id, inForeach || 'do' in step, child.list.includes('#'));
    });
    lists.set(list, topologicalOrder(listNodes, issues));
  };
  addList('root', def.steps, 'steps', null, false);
  return { plan: { nodes, byId: new Map(nodes.map((n) => [n.id, n])), lists, compensation }, issues };
}

function topologicalOrder(nodes: PlanNode[], issues: Issue[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: string[] = [];
  const visit = (node: PlanNode, trail: string[]): void => {
    const seen = state.get(node.id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      issues.push({
        path: `${node.path}.needs`,
        message: `dependency cycle: ${[...trail.slice(trail.indexOf(node.id)), node.id].join(' → ')}`,
      });
      return;
    }
    state.set(node.id, 'visiting');
    for (const dep of node.deps) {
      const depNode = byId.get(dep);
      if (depNode) visit(depNode, [...trail, node.id]);
    }
    state.set(node.id, 'done');
    out.push(node.id);
  };
  for (const node of nodes) visit(node, []);
  return out;
}

/** Transitive dependencies of a node within its list. */
export function ancestorsInList(plan: Plan, id: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(plan.byId.get(id)?.deps ?? [])];
  while (stack.length) {
    const dep = stack.pop()!;
    if (out.has(dep)) continue;
    out.add(dep);
    stack.push(...(plan.byId.get(dep)?.deps ?? []));
  }
  return out;
}

/** Every node nested under a block (its lists, recursively). */
export function descendants(plan: Plan, blockId: string): PlanNode[] {
  const out: PlanNode[] = [];
  for (const node of plan.nodes) {
    for (let p = node.parent; p; p = plan.byId.get(p)?.parent ?? null) {
      if (p === blockId) {
        out.push(node);
        break;
      }
    }
  }
  return out;
}
