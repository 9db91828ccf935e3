import { ExpressionError, evaluateCondition, render } from '../expressions';
import { failRun, failStep } from './failure';
import { contextOf, graphOf, isTerminal } from './state';
import { dispatch, stepDefinition } from './steps';
import type { Clock, Command, RunState, StepState } from './types';

type Readiness = 'wait' | 'ready' | { skip: string };

/** A dependency lets dependants run when it succeeded, was skipped, or failed with `on_error: continue`. */
function readiness(state: RunState, stepId: string): Readiness {
  const node = graphOf(state).byId.get(stepId)!;
  const step = state.steps[stepId]!;
  if (node.isErrorHandler) return step.handling ? 'ready' : 'wait';
  const deps = node.deps.map((d) => ({ id: d, state: state.steps[d]! }));
  if (deps.some((d) => !isTerminal(d.state))) return 'wait';
  const failed = deps.find((d) => d.state.status === 'failed' && (stepDefinition(state, d.id).on_error ?? 'fail') !== 'continue');
  if (failed) return { skip: 'upstream_failed' };
  if (node.explicitNeeds && deps.length > 0 && deps.every((d) => d.state.status === 'skipped')) return { skip: 'needs_skipped' };
  return 'ready';
}

function skip(step: StepState, reason: string, now: number): void {
  Object.assign(step, { status: 'skipped', skipReason: reason, endedAt: now });
}

/**
 * Moves the run forward: skips or dispatches every step whose dependencies are done (all ready
 * steps start at once), and completes the run when nothing is left to run.
 */
export async function advance(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  let progressed = true;
  while (progressed && state.status === 'running') {
    progressed = false;
    for (const node of graphOf(state).nodes) {
      const step = state.steps[node.id]!;
      if (step.status !== 'pending') continue;
      const ready = readiness(state, node.id);
      if (ready === 'wait') continue;
      progressed = true;
      if (ready !== 'ready') {
        skip(step, ready.skip, clock.now);
        continue;
      }
      const started = await prepare(state, node.id, clock, commands);
      if (state.status !== 'running') return;
      if (started) dispatch(state, node.id, clock, commands);
    }
  }
  if (state.status === 'running') await completeIfDone(state, clock, commands);
}

/** Evaluates `if:` and renders the input. @returns false when the step was skipped or failed. */
async function prepare(state: RunState, stepId: string, clock: Clock, commands: Command[]): Promise<boolean> {
  const index = state.definition.steps.findIndex((s) => s.id === stepId);
  const def = state.definition.steps[index]!;
  const step = state.steps[stepId]!;
  try {
    const context = contextOf(state);
    if (def.if !== undefined && !(await evaluateCondition(def.if, context, `steps[${index}].if`))) {
      skip(step, 'condition', clock.now);
      return false;
    }
    step.input = await render(def.input ?? null, context, `steps[${index}].input`);
    return true;
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    await failStep(state, stepId, { code: 'expression_error', message: err.message, retryable: false }, clock, commands);
    return false;
  }
}

async function completeIfDone(state: RunState, clock: Clock, commands: Command[]): Promise<void> {
  const nodes = graphOf(state).nodes;
  const busy = nodes.some((n) => {
    const step = state.steps[n.id]!;
    return n.isErrorHandler ? !!step.handling && !isTerminal(step) : !isTerminal(step);
  });
  if (busy) return;
  for (const n of nodes) {
    const step = state.steps[n.id]!;
    if (step.status === 'pending') skip(step, 'not_triggered', clock.now);
  }
  const last = [...nodes].sort((a, b) => b.index - a.index).find((n) => !n.isErrorHandler);
  const template = state.definition.output ?? (last ? `{{ ${last.id}.output }}` : null);
  try {
    const output = await render(template, contextOf(state), 'output');
    Object.assign(state, { status: 'completed', output, endedAt: clock.now });
    commands.push({ type: 'CompleteRun', output });
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    failRun(state, { code: 'expression_error', message: err.message, retryable: false }, clock, commands);
  }
}
