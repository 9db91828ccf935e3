import type { FlowHold } from '../../schemas/flow';
import type { WorkflowDefinition } from '../../schemas/definition';
import { enterList } from './instances';
import type { PinnedAgent, RunState, TriggerInfo } from './types';

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
  /** Debug mode: pause before every step. */
  debug?: boolean;
  /** The agents pinned at start (see {@link RunState.agents}). */
  agents?: Record<string, PinnedAgent>;
  /** 1–10, default 5. */
  priority?: number;
  /** The flow-control places the run holds (see {@link RunState.flow}). */
  flow?: FlowHold[];
}

/** The state of a run that has not started: every top-level step `pending`. */
export function initialState(run: NewRun): RunState {
  const { debug, ...fields } = run;
  const state: RunState = { ...fields, status: 'queued', steps: {}, ...(debug ? { debug: { allow: 0 } } : {}) };
  enterList(state, 'root', '');
  return state;
}
