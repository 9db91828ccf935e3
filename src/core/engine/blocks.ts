import type { StepError } from '../../schemas/errors';
import { childLists } from '../definition/plan';
import { render } from '../expressions';
import { listBusy, listDone, listOutput, skip } from './advance';
import { cancelSubtree, failStep } from './failure';
import { contextOf, enterList, isTerminal, nodeOf, parseKey, planOf } from './instances';
import { succeed } from './leaf';
import { own, putStep } from './steps';
import type { Clock, Command, RunState } from './types';

/** Most step instances one run may hold (foreach iterations × their steps included). */
export const MAX_STEP_INSTANCES = 20_000;

const limitError = (message: string): StepError => ({ code: 'limit_exceeded', message, retryable: false });

/**
 * Starts a block instance: a parallel block enters its children's lists, a switch evaluates its
 * value and enters the matching case (the others are `skipped`), a foreach evaluates its list and
 * starts up to `concurrency` iterations. @throws ExpressionError from the block's own expression.
 */
export async function startBlock(state: RunState, key: string, clock: Clock, commands: Command[]): Promise<void> {
  const node = nodeOf(state, key);
  const step = own(state, key);
  const { suffix } = parseKey(key);
  Object.assign(step, { status: 'running', startedAt: clock.now });
  const def = node.step;
  if ('parallel' in def) {
    for (const child of childLists(def, node.path)) enterList(state, child.list, suffix);
  } else if ('cases' in def) {
    const value = await render(def.switch, contextOf(state, key), `${node.path}.switch`, clock);
    const caseKey =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
    const chosen = caseKey in def.cases ? `${node.id}:case:${caseKey}` : def.default ? `${node.id}:default` : undefined;
    for (const list of childLists(def, node.path)) {
      if (list.list === chosen) continue;
      for (const id of planOf(state).lists.get(list.list) ?? []) {
        if (!state.steps[id + suffix]) putStep(state, id + suffix, { status: 'pending', attempt: 0, attempts: [] });
        skip(own(state, id + suffix), 'not_selected', clock.now);
      }
    }
    if (!chosen) {
      Object.assign(step, { output: null });
      skip(step, 'no_case', clock.now);
      return;
    }
    step.branch = chosen;
    enterList(state, chosen, suffix);
  } else if ('do' in def) {
    const items = await render(def.foreach, contextOf(state, key), `${node.path}.foreach`, clock);
    if (!Array.isArray(items)) {
      failStep(
        state,
        key,
        {
          code: 'expression_error',
          message: `${node.path}.foreach: expected a list, got ${items === null ? 'null' : typeof items}`,
          retryable: false,
        },
        clock,
        commands,
      );
      return;
    }
    const total = Object.keys(state.steps).length + items.length * def.do.length;
    if (total > MAX_STEP_INSTANCES) {
      failStep(
        state,
        key,
        limitError(
          `${node.path}.foreach: ${items.length} items would exceed ${MAX_STEP_INSTANCES} step instances per run`,
        ),
        clock,
        commands,
      );
      return;
    }
    Object.assign(step, { items, started: 0, settledBelow: 0 });
    startIterations(state, key);
  }
}

/** Starts foreach iterations while fewer than `concurrency` are unfinished. */
function startIterations(state: RunState, key: string): void {
  const node = nodeOf(state, key);
  const step = state.steps[key]!;
  const def = node.step as { concurrency: number };
  const { suffix } = parseKey(key);
  const list = `${node.id}:do`;
  let started = step.started ?? 0;
  // Iterations end in any order; the scan starts at the first one not known to have ended.
  let settledBelow = step.settledBelow ?? 0;
  while (settledBelow < started && !listBusy(state, list, `${suffix}[${settledBelow}]`)) settledBelow++;
  let running = 0;
  for (let i = settledBelow; i < started; i++) if (listBusy(state, list, `${suffix}[${i}]`)) running++;
  while (running < def.concurrency && started < step.items!.length) {
    enterList(state, list, `${suffix}[${started}]`);
    started++;
    running++;
  }
  if (started !== (step.started ?? 0) || settledBelow !== (step.settledBelow ?? 0))
    Object.assign(own(state, key), { started, settledBelow });
}

/** A child counts as done-ok for `wait_for: all` when it succeeded, was skipped, or failed with `continue`. */
function settledOk(state: RunState, key: string, strict: boolean): boolean {
  const step = state.steps[key]!;
  if (step.status === 'succeeded') return true;
  if (strict) return false;
  return step.status === 'skipped' || (step.status === 'failed' && nodeOf(state, key).step.on_error === 'continue');
}

/** Settles every running block whose children allow it. @returns true when something changed. */
export async function settleBlocks(state: RunState, clock: Clock, commands: Command[]): Promise<boolean> {
  let changed = false;
  // Innermost blocks first: longer suffixes, then deeper nodes.
  const blocks = Object.keys(state.steps)
    .filter(
      (key) =>
        state.steps[key]!.status === 'running' && ['parallel', 'switch', 'foreach'].includes(nodeOf(state, key).kind),
    )
    .sort((a, b) => b.length - a.length);
  for (const key of blocks) {
    if (state.status !== 'running' || state.compensating || state.steps[key]!.status !== 'running') continue;
    const node = nodeOf(state, key);
    const { suffix } = parseKey(key);
    if (node.kind === 'parallel') changed = settleParallel(state, key, suffix, clock, commands) || changed;
    else if (node.kind === 'switch' && listDone(state, state.steps[key]!.branch!, suffix, clock)) {
      succeed(state, key, listOutput(state, state.steps[key]!.branch!, suffix), clock);
      changed = true;
    } else if (node.kind === 'foreach') changed = settleForeach(state, key, suffix, clock) || changed;
  }
  return changed;
}

function settleParallel(state: RunState, key: string, suffix: string, clock: Clock, commands: Command[]): boolean {
  const node = nodeOf(state, key);
  const def = node.step as { wait_for: 'all' | 'any' | number };
  const children = childLists(node.step, node.path).map((c) => planOf(state).lists.get(c.list)![0]! + suffix);
  const need =
    def.wait_for === 'all' ? children.length : def.wait_for === 'any' ? 1 : Math.min(def.wait_for, children.length);
  const strict = def.wait_for !== 'all';
  const ok = children.filter((c) => settledOk(state, c, strict));
  const failed = children.filter((c) => state.steps[c]!.status === 'failed' && !settledOk(state, c, false));
  if (ok.length >= need) {
    cancelSubtree(state, key, clock, commands);
    const output: Record<string, unknown> = {};
    for (const c of children)
      if (state.steps[c]!.status === 'succeeded') output[parseKey(c).id] = state.steps[c]!.output ?? null;
    succeed(state, key, output, clock);
    return true;
  }
  const stillPossible = children.filter((c) => !isTerminal(state.steps[c]!)).length + ok.length >= need;
  if (stillPossible) return false;
  cancelSubtree(state, key, clock, commands);
  const first = failed[0] ? state.steps[failed[0]]!.error : undefined;
  failStep(
    state,
    key,
    {
      code: first?.code ?? 'parallel_failed',
      message: `wait_for ${def.wait_for} cannot be met${failed[0] ? `: ${failed[0]}: ${first?.message}` : ''}`,
      retryable: false,
    },
    clock,
    commands,
  );
  return true;
}

function settleForeach(state: RunState, key: string, suffix: string, clock: Clock): boolean {
  const list = `${nodeOf(state, key).id}:do`;
  const before = state.steps[key]!.started;
  startIterations(state, key);
  const step = state.steps[key]!; // read afresh: startIterations may have taken it over
  const changed = step.started !== before;
  if (step.started !== step.items!.length) return changed;
  const done = step.items!.every((_, i) => listDone(state, list, `${suffix}[${i}]`, clock));
  if (!done) return changed;
  succeed(
    state,
    key,
    step.items!.map((_, i) => listOutput(state, list, `${suffix}[${i}]`)),
    clock,
  );
  return true;
}
