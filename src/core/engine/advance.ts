import { ExpressionError, evaluateCondition, render } from '../expressions';
import { childLists, type Plan } from '../definition/plan';
import { enterList, isTerminal, nodeOf, parseKey, planOf, contextOf } from './instances';
import { startApproval } from './approval';
import { dispatch, renderLeafInput, startWaiting } from './leaf';
import { failRun, failStep } from './failure';
import { settleBlocks, startBlock } from './blocks';
import { advanceCompensation } from './compensation';
import { budgetStops } from './budget';
import { own, scanned, unscannedSteps } from './steps';
import { statusCounts } from './step-counts';
import { candidatesOf } from './candidates';
import type { SkipReason } from '../../schemas/enums';
import type { Clock, Command, RunState, StepState } from './types';

type Readiness = 'wait' | 'ready' | { skip: SkipReason };

const BLOCK_KINDS = new Set(['parallel', 'switch', 'foreach']);

/** A list being run: its key, the iteration suffix of its instances. */
interface Scope {
  list: string;
  suffix: string;
}

const blocksIn = new WeakMap<Plan, boolean>();
/** Whether a plan has parallel, switch or foreach steps (computed once per plan). */
function hasBlocks(plan: Plan): boolean {
  if (!blocksIn.has(plan))
    blocksIn.set(
      plan,
      plan.nodes.some((n) => BLOCK_KINDS.has(n.kind)),
    );
  return blocksIn.get(plan)!;
}

/** Lists that may have steps to start: the top level, and the lists of running blocks. */
function activeScopes(state: RunState): Scope[] {
  const scopes: Scope[] = [{ list: 'root', suffix: '' }];
  if (!hasBlocks(planOf(state))) return scopes; // a workflow without blocks has only the top level
  for (const key in state.steps) {
    const step = state.steps[key]!;
    if (step.status !== 'running') continue;
    const node = nodeOf(state, key);
    const { suffix } = parseKey(key);
    if (node.kind === 'parallel')
      for (const c of childLists(node.step, node.path)) scopes.push({ list: c.list, suffix });
    else if (node.kind === 'switch' && step.branch) scopes.push({ list: step.branch, suffix });
    // Iterations below `settledBelow` have ended: nothing in them can start.
    else if (node.kind === 'foreach')
      for (let i = step.settledBelow ?? 0; i < (step.started ?? 0); i++)
        scopes.push({ list: `${node.id}:do`, suffix: `${suffix}[${i}]` });
  }
  return scopes;
}

/** A dependency lets dependants run when it succeeded, was skipped, or failed with `on_error: continue`. */
function readiness(state: RunState, id: string, suffix: string): Readiness {
  const node = planOf(state).byId.get(id)!;
  const step = state.steps[id + suffix]!;
  if (node.isErrorHandler) return step.handling ? 'ready' : 'wait';
  // Most pending steps of a long run wait on a step not yet ended: answered without allocating.
  for (const d of node.deps) {
    const dep = state.steps[d + suffix];
    if (!dep || !isTerminal(dep)) return 'wait';
  }
  const deps = node.deps.map((d) => ({ id: d, state: state.steps[d + suffix]! }));
  const failed = deps.find(
    (d) => d.state.status === 'failed' && (planOf(state).byId.get(d.id)!.step.on_error ?? 'fail') !== 'continue',
  );
  if (failed) return { skip: 'upstream_failed' };
  if (node.explicitNeeds && deps.length > 0 && deps.every((d) => d.state.status === 'skipped'))
    return { skip: 'needs_skipped' };
  return 'ready';
}

export function skip(step: StepState, reason: SkipReason, now: number): void {
  Object.assign(step, { status: 'skipped', skipReason: reason, endedAt: now });
}

/** Evaluates `if:`, then starts the instance by kind. Expression errors fail the step. */
async function start(state: RunState, key: string, clock: Clock, commands: Command[]): Promise<void> {
  const node = nodeOf(state, key);
  try {
    if (
      node.step.if !== undefined &&
      !(await evaluateCondition(node.step.if, contextOf(state, key), `${node.path}.if`, clock))
    ) {
      skip(own(state, key), 'condition', clock.now);
      return;
    }
    if (node.kind === 'sleep' || node.kind === 'wait_for_event') return startWaiting(state, key, clock, commands);
    if (node.kind === 'approval') return await startApproval(state, key, clock, commands);
    if (node.kind === 'parallel' || node.kind === 'switch' || node.kind === 'foreach')
      return await startBlock(state, key, clock, commands);
    if (budgetStops(state, key, clock, commands)) return; // over budget: the run paused or failed
    const input = await renderLeafInput(state, key, node.step, node.path, clock);
    own(state, key).input = input;
    dispatch(state, key, clock, commands);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    failStep(state, key, { code: 'expression_error', message: err.message, retryable: false }, clock, commands);
  }
}

/**
 * Moves the run forward until nothing changes: starts or skips every step whose dependencies are
 * done (all ready steps at once), settles blocks whose children are done, runs compensations after
 * a failure, and completes the run when nothing is left.
 */
export async function advance(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  if (state.status === 'waiting') state.status = 'running'; // recomputed below
  for (let progressed = true; progressed && state.status === 'running'; ) {
    progressed = false;
    if (state.compensating) {
      progressed = await advanceCompensation(state, clock, commands);
      continue;
    }
    // Without blocks every instance is a top-level one: only those changed since the last full
    // scan, and their dependants, can have become ready (nothing else changes readiness).
    const unscanned = hasBlocks(planOf(state)) ? 'all' : unscannedSteps(state);
    if (unscanned !== 'all') {
      for (const key of candidatesOf(planOf(state), unscanned))
        progressed = (await consider(state, key, '', clock, commands)) || progressed;
    } else
      for (const scope of activeScopes(state)) {
        enterList(state, scope.list, scope.suffix);
        for (const id of planOf(state).lists.get(scope.list) ?? [])
          progressed = (await consider(state, id + scope.suffix, scope.suffix, clock, commands)) || progressed;
      }
    if (state.status === 'running' && !state.compensating && hasBlocks(planOf(state)))
      progressed = (await settleBlocks(state, clock, commands)) || progressed;
  }
  if (state.status === 'running' && !state.compensating) await completeIfDone(state, clock, commands);
  if (state.status === 'running') {
    const counts = statusCounts(state);
    state.status = !counts.get('running') && counts.get('waiting') ? 'waiting' : 'running';
  }
  // Every pending step was examined unless the run stopped (paused, ended) or compensates.
  scanned(state, (state.status === 'running' || state.status === 'waiting') && !state.compensating);
}

/**
 * Starts or skips one instance when it is pending and its dependencies allow.
 * @returns whether that may let others start (it ended, was skipped, or is a block).
 */
async function consider(
  state: RunState,
  key: string,
  suffix: string,
  clock: Clock,
  commands: Command[],
): Promise<boolean> {
  if (state.steps[key]?.status !== 'pending' || state.status !== 'running' || state.compensating) return false;
  const ready = readiness(state, parseKey(key).id, suffix);
  if (ready === 'wait') return false;
  if (ready === 'ready' && state.debug) {
    // Debug mode: stop before the step; each resume lets one start.
    if (state.debug.allow <= 0) {
      state.status = 'paused';
      return false;
    }
    state.debug = { allow: state.debug.allow - 1 };
  }
  if (ready !== 'ready') {
    skip(own(state, key), ready.skip, clock.now);
    return true;
  }
  await start(state, key, clock, commands);
  // A leaf now running or waiting readies nothing else; an ended step or an entered block may.
  const started = state.steps[key]!; // read afresh: start() changed its status
  return BLOCK_KINDS.has(nodeOf(state, key).kind) || (started.status !== 'running' && started.status !== 'waiting');
}

/** True while an instance of a list (with the suffix) may still run: not ended, or an error handler at work. */
export function listBusy(state: RunState, list: string, suffix: string): boolean {
  const plan = planOf(state);
  const ids = plan.lists.get(list) ?? [];
  // From the end: in a long list the last steps are the ones still to run, so this stops early.
  for (let i = ids.length - 1; i >= 0; i--) {
    const id = ids[i]!;
    const step = state.steps[id + suffix];
    if (!step) return true;
    if (plan.byId.get(id)!.isErrorHandler ? !!step.handling && !isTerminal(step) : !isTerminal(step)) return true;
  }
  return false;
}

/** True when every instance of a list (with the suffix) is done; untriggered error handlers are skipped then. */
export function listDone(state: RunState, list: string, suffix: string, clock: Clock): boolean {
  if (listBusy(state, list, suffix)) return false;
  const ids = planOf(state).lists.get(list) ?? [];
  for (const id of ids)
    if (state.steps[id + suffix]!.status === 'pending') skip(own(state, id + suffix), 'not_triggered', clock.now);
  return true;
}

/** Output of a list: the output of its last step as written (error handlers aside). */
export function listOutput(state: RunState, list: string, suffix: string): unknown {
  const last = planOf(state)
    .nodes.filter((n) => n.list === list && !n.isErrorHandler)
    .at(-1);
  return last ? (state.steps[last.id + suffix]?.output ?? null) : null;
}

async function completeIfDone(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  if (!listDone(state, 'root', '', clock)) return;
  const template = state.definition.output ?? null;
  try {
    const output =
      template === null ? listOutput(state, 'root', '') : await render(template, contextOf(state), 'output', clock);
    Object.assign(state, { status: 'completed', output, endedAt: clock.now });
    commands.push({ type: 'CompleteRun', output });
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    failRun(state, { code: 'expression_error', message: err.message, retryable: false }, clock, commands);
    if (state.compensating) await advance(state, clock, commands);
  }
}
