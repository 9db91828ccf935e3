import type { WorkflowDefinition } from '../../schemas/definition';
import { enterList } from './instances';
import type { RunState, TriggerInfo } from './types';

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

/** The state of a run that has not started: every top-level step `pending`. */
export function initialState(run: NewRun): RunState {
  const state: RunState = { ...run, status: 'queued', steps: {} };
  enterList(state, 'root', '');
  return state;
}
