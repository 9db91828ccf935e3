import { isEndedRunStatus } from '../../schemas/enums';
import { parseAgentRef, type WorkflowDefinition } from '../../schemas/definition';
import { buildPlan, type Plan, type PlanNode } from '../definition/plan';
import { namesReadBy, type RunContext } from '../expressions';
import { putStep } from './steps';
import type { RunState, SharedStep } from './types';

const plans = new WeakMap<WorkflowDefinition, Plan>();

/** The plan of a run's definition (memoised per definition object). */
export function planOf(state: RunState): Plan {
  let plan = plans.get(state.definition);
  if (!plan) {
    plan = buildPlan(state.definition).plan;
    plans.set(state.definition, plan);
  }
  return plan;
}

/** Splits an instance key `dive[2][0]` into the step id and its iteration suffix `[2][0]`. */
export function parseKey(key: string): { id: string; suffix: string } {
  const at = key.indexOf('[');
  return at < 0 ? { id: key, suffix: '' } : { id: key.slice(0, at), suffix: key.slice(at) };
}

/** The plan node of an instance. */
export function nodeOf(state: RunState, key: string): PlanNode {
  const node = planOf(state).byId.get(parseKey(key).id);
  if (!node) throw new Error(`step '${key}' is not in workflow ${state.workflow} v${state.version}`);
  return node;
}

/** The suffix of the instance of `node`'s parent block, given the node's own suffix. */
export function parentSuffix(state: RunState, node: PlanNode, suffix: string): string {
  const parent = node.parent ? planOf(state).byId.get(node.parent) : undefined;
  return parent?.kind === 'foreach' ? suffix.slice(0, suffix.lastIndexOf('[')) : suffix;
}

/** The instance key of the block that owns `key`, or null at the top level. */
export function parentKey(state: RunState, key: string): string | null {
  const { suffix } = parseKey(key);
  const node = nodeOf(state, key);
  return node.parent ? node.parent + parentSuffix(state, node, suffix) : null;
}

/** True when the step instance will not change again. */
export function isTerminal(step: SharedStep): boolean {
  return ['succeeded', 'failed', 'skipped', 'cancelled', 'compensated'].includes(step.status);
}

/** True when the run will not change again. */
export function isRunTerminal(state: RunState): boolean {
  return isEndedRunStatus(state.status);
}

/** Creates pending instances for every step of a list (idempotent). */
export function enterList(state: RunState, list: string, suffix: string): void {
  for (const id of planOf(state).lists.get(list) ?? [])
    if (!state.steps[id + suffix]) putStep(state, id + suffix, { status: 'pending', attempt: 0, attempts: [] });
}

/** `item` and `index` of the innermost foreach iteration around an instance, if any. */
function iterationOf(state: RunState, key: string): { item: unknown; index: number } | undefined {
  const { suffix } = parseKey(key);
  if (!suffix) return undefined;
  const plan = planOf(state);
  let node: PlanNode | undefined = nodeOf(state, key);
  while (node?.parent && plan.byId.get(node.parent)?.kind !== 'foreach') node = plan.byId.get(node.parent);
  if (!node?.parent) return undefined;
  const index = Number(suffix.slice(suffix.lastIndexOf('[') + 1, -1));
  const foreachKey = node.parent + suffix.slice(0, suffix.lastIndexOf('['));
  return { item: state.steps[foreachKey]?.items?.[index] ?? null, index };
}

/** Names each step definition's templates read (null: the whole context), computed once per definition object. */
const namesCache = new WeakMap<object, Set<string> | null>();
function namesOf(step: object): Set<string> | null {
  if (!namesCache.has(step)) namesCache.set(step, namesReadBy(step));
  return namesCache.get(step)!;
}

function view(step: SharedStep) {
  return {
    output: step.output ?? null,
    status: step.status,
    error: step.error ?? null,
    attempts: step.attempt,
    ...(step.comment !== undefined ? { comment: step.comment } : {}),
  };
}

/**
 * The data a step instance's templates read (CONTRACT.md): `inputs`, `trigger`, `vars`, every step
 * by id (inside a foreach iteration, that iteration's own instances), and `item`/`index`.
 * @param key the instance whose templates are evaluated; omit for the run output.
 */
export function contextOf(state: RunState, key = ''): RunContext {
  const context: RunContext = { inputs: state.inputs, trigger: state.trigger, vars: state.definition.vars };
  const { suffix } = parseKey(key);
  const names = key ? namesOf(nodeOf(state, key).step) : null;
  const depth = new Map<string, number>();
  if (names) {
    // Only the steps the templates read: for each, its instance in this iteration or the nearest enclosing one.
    const scopes = [suffix, ...[...suffix.matchAll(/\[/g)].map((m) => suffix.slice(0, m.index)).reverse()];
    for (const id of names) {
      const step = scopes.map((s) => state.steps[id + s]).find((s) => s !== undefined);
      if (step) context[id] = view(step);
    }
  } else
    for (const [instanceKey, step] of Object.entries(state.steps)) {
      const parsed = parseKey(instanceKey);
      if (!suffix.startsWith(parsed.suffix)) continue;
      if ((depth.get(parsed.id) ?? -1) >= parsed.suffix.length) continue;
      depth.set(parsed.id, parsed.suffix.length);
      context[parsed.id] = view(step);
    }
  const iteration = key ? iterationOf(state, key) : undefined;
  if (iteration) Object.assign(context, iteration);
  return context;
}

/** The agent a step instance calls (its name; for a selection, the one its latest attempt chose), or null for other kinds. */
export function agentOf(state: RunState, key: string): string | null {
  const step = nodeOf(state, key).step;
  if (!('agent' in step)) return null;
  if (typeof step.agent === 'string') return parseAgentRef(step.agent).name;
  return state.steps[key]?.attempts.at(-1)?.agent ?? null;
}

/** Instance keys in the order steps are written (iterations in order), for views. */
export function orderedKeys(state: RunState): string[] {
  const position = new Map(planOf(state).nodes.map((n, i) => [n.id, i]));
  const indices = (suffix: string) => suffix.match(/\d+/g)?.map(Number) ?? [];
  return Object.keys(state.steps).sort((a, b) => {
    const pa = parseKey(a);
    const pb = parseKey(b);
    const ia = indices(pa.suffix);
    const ib = indices(pb.suffix);
    for (let i = 0; i < Math.min(ia.length, ib.length); i++) if (ia[i] !== ib[i]) return ia[i]! - ib[i]!;
    return (position.get(pa.id) ?? 0) - (position.get(pb.id) ?? 0) || ia.length - ib.length;
  });
}

/** Id of an approval round: `<runId>:<step instance key>:<round>`. */
export function approvalId(state: RunState, key: string, round: number): string {
  return `${state.runId}:${key}:${round}`;
}
