import type { Plan } from '../definition/plan';

/** Of a plan's top-level list: each id's position, and the ids that depend on each. */
interface RootIndex {
  ids: readonly string[];
  position: ReadonlyMap<string, number>;
  dependants: ReadonlyMap<string, readonly string[]>;
}

const indexes = new WeakMap<Plan, RootIndex>();

function rootIndex(plan: Plan): RootIndex {
  let index = indexes.get(plan);
  if (!index) {
    const ids = plan.lists.get('root') ?? [];
    const dependants = new Map<string, string[]>();
    for (const id of ids)
      for (const dep of plan.byId.get(id)!.deps) dependants.set(dep, [...(dependants.get(dep) ?? []), id]);
    index = { ids, position: new Map(ids.map((id, i) => [id, i])), dependants };
    indexes.set(plan, index);
  }
  return index;
}

/**
 * The top-level instances that may have become ready, in list order: the changed ones and their
 * dependants. `taken` may grow while the caller goes through the result (a step started or skipped
 * changes others): what it adds after the current position is visited in the same pass, as a scan
 * of the whole list would; what it adds before is left to the next pass.
 * @param changed instances changed since every pending step was last examined.
 */
export function* candidatesOf(
  plan: Plan,
  changed: { carried: ReadonlySet<string>; taken: readonly string[] },
): Generator<string> {
  const { ids, position, dependants } = rootIndex(plan);
  const queue: number[] = []; // positions still to visit, ascending, each once
  let cursor = -1;
  const add = (id: string) => {
    const at = position.get(id);
    if (at === undefined || at <= cursor) return;
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    if (queue[lo] !== at) queue.splice(lo, 0, at);
  };
  const addWithDependants = (id: string) => {
    add(id);
    for (const d of dependants.get(id) ?? []) add(d);
  };
  for (const key of changed.carried) addWithDependants(key);
  let read = 0;
  for (;;) {
    while (read < changed.taken.length) addWithDependants(changed.taken[read++]!);
    const next = queue.shift();
    if (next === undefined) return;
    cursor = next;
    yield ids[next]!;
  }
}
