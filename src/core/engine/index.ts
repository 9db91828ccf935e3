export { changedSteps, decide, decideAll } from './decide';
export { initialState, type NewRun } from './state';
export {
  agentOf,
  approvalId,
  contextOf,
  isTerminal,
  isRunTerminal,
  nodeOf,
  orderedKeys,
  parseKey,
  planOf,
} from './instances';
export { DEFAULT_STEP_TIMEOUT_MS } from './leaf';
export { retryPolicyOf, stepTimeoutMs } from './agent-defaults';
export { selectionRequest, type SelectionRequest } from './selection';
export { MAX_STEP_INSTANCES } from './blocks';
export { timerId } from './timers';
export { stepProgress, type Progress, type ProgressStep } from './progress';
export type {
  ApprovalRequest,
  ApprovalStatus,
  Vote,
  AgentSelection,
  Attempt,
  Clock,
  Command,
  Decision,
  DispatchKind,
  PinnedAgent,
  RunEvent,
  RunState,
  Served,
  StepState,
  Timer,
  TriggerInfo,
  Usage,
} from './types';
