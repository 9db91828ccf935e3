import type { WorkflowDefinition } from '../../schemas/definition';
import { buildGraph, type WorkflowGraph } from '../definition/graph';
import type { RunContext } from '../expressions';
import type { RunState, StepState, TriggerInfo } from './types';

/** Fields needed to create the state of a new run. */
export interface NewRun {
  runId: string;
  workflow: string;
  version: number;
  definition: WorkflowDefinition;
  inputs: Record<string, unknown>;
  trigger: TriggerInfo;
  /** Epoch ms. */
  createdAt: number;
}

/** The state of a run that has not started: every step `pending`. */
export function initialState(run: NewRun): RunState {
  const steps: Record<string, StepState> = {};
  for (const step of run.definition.steps) steps[step.id] = { status: 'pending', attempt: 0, attempts: [] };
  return { ...run, status: 'queued', steps };
}

const graphs = new WeakMap<WorkflowDefinition, WorkflowGraph>();

/** The step graph of a run's definition (memoised per definition object). */
export function graphOf(state: RunState): WorkflowGraph {
  let graph = graphs.get(state.definition);
  if (!graph) {
    graph = buildGraph(state.definition).graph;
    graphs.set(state.definition, graph);
  }
  return graph;
}

/** The data templates read: `inputs`, `trigger`, `vars` and each step by id. */
export function contextOf(state: RunState): RunContext {
  const context: RunContext = { inputs: state.inputs, trigger: state.trigger, vars: state.definition.vars };
  for (const [id, step] of Object.entries(state.steps)) {
    context[id] = { output: step.output ?? null, status: step.status, error: step.error ?? null, attempts: step.attempt };
  }
  return context;
}

/** True when the step will not change again. */
export function isTerminal(step: StepState): boolean {
  return ['succeeded', 'failed', 'skipped', 'cancelled', 'compensated'].includes(step.status);
}

/** True when the run will not change again. */
export function isRunTerminal(state: RunState): boolean {
  return ['completed', 'failed', 'cancelled'].includes(state.status);
}
