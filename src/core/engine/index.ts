export { decide } from './decide';
export { initialState, contextOf, isTerminal, isRunTerminal, graphOf, type NewRun } from './state';
export { DEFAULT_STEP_TIMEOUT_MS, timerId } from './steps';
export type { Attempt, Clock, Command, Decision, RunEvent, RunState, StepState, Timer, TriggerInfo, Usage } from './types';
