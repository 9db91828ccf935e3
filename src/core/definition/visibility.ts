import { ancestorsInList, descendants, type Plan, type PlanNode } from './plan';

/** True when `node` sits inside a foreach that is `blockId` or nested under it. */
function insideForeachUnder(plan: Plan, node: PlanNode, blockId: string): boolean {
  for (let p: string | null = node.parent; p; p = plan.byId.get(p)?.parent ?? null) {
    if (plan.byId.get(p)?.kind === 'foreach') return true;
    if (p === blockId) return false;
  }
  return false;
}

/**
 * The names a step's templates may read besides inputs, trigger and vars: the steps that finish
 * before it (in its list, and before its enclosing blocks), the inner steps of finished blocks
 * (except inside a foreach: read its output), `item` and `index` inside a foreach, and for an error
 * handler the step whose error it handles. `beforeChildren` is for a block's own expression
 * (`switch:`, `foreach:`), evaluated before its children run.
 */
export function visibleNames(plan: Plan, node: PlanNode, beforeChildren = false): Set<string> {
  const out = new Set<string>();
  const addFinished = (id: string) => {
    out.add(id);
    for (const d of descendants(plan, id))
      if (!insideForeachUnder(plan, d, id) && plan.byId.get(id)?.kind !== 'foreach') out.add(d.id);
  };
  if (node.compensates) {
    addFinished(node.compensates);
    for (const name of visibleNames(plan, plan.byId.get(node.compensates)!)) out.add(name);
    return out;
  }
  for (const a of ancestorsInList(plan, node.id)) addFinished(a);
  if (node.isErrorHandler) {
    for (const other of plan.nodes) {
      if (other.list === node.list && other.step.on_error === node.id) {
        addFinished(other.id);
        for (const a of ancestorsInList(plan, other.id)) addFinished(a);
      }
    }
  }
  const parent = node.parent ? plan.byId.get(node.parent) : undefined;
  if (parent) for (const name of visibleNames(plan, parent, true)) out.add(name);
  const inIteration = beforeChildren ? !!parent && (parent.kind === 'foreach' || parent.inForeach) : node.inForeach;
  if (inIteration) {
    out.add('item');
    out.add('index');
  }
  return out;
}
