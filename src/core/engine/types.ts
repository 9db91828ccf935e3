import type { FlowHold } from '../../schemas/flow';
import type { WorkflowDefinition } from '../../schemas/definition';
import type {
  ApprovalStatus,
  AttemptStatus,
  RunStatus,
  SkipReason,
  StepStatus,
  TriggerType,
  WaitReason,
} from '../../schemas/enums';
import type { StepError } from '../../schemas/errors';
import type { Decision as Choice, RetryPolicy } from '../../schemas/steps';
import type { AgentLoop, LoopUnit, ToolOutcome, TurnOutcome } from './loop-types';
import type { ToolCallRef } from '../../schemas/agent';

/** Token counts and cost an agent reported for one attempt. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Cost in USD. */
  costUsd?: number;
}

/** One attempt of a step. Times are epoch ms. */
export interface Attempt {
  attempt: number;
  status: AttemptStatus;
  dispatchedAt: number;
  startedAt?: number;
  endedAt?: number;
  error?: StepError;
  usage?: Usage;
  /** What served the attempt (e.g. `openai`, `builtin`, `http`, `mcp`, `workflow`). */
  provider?: string;
  /** An agent attempt that looped over tools: its model turns and tool calls. */
  loop?: AgentLoop;
  /** Agent steps: the agent that served the attempt (for a selection, the one chosen). */
  agent?: string;
  /** A step that selects its agent by skill: how this attempt's agent was chosen. */
  selection?: AgentSelection;
  /** While the attempt (or its loop's model turn) waits for its agent, why (the step is then `waiting`). */
  waitReason?: WaitReason;
}

/** An agent as a run pinned it at start: the version it calls, and the defaults it gives steps that set none. */
export interface PinnedAgent {
  version: number;
  /** The agent's `timeout` (a duration such as `30s`). */
  timeout?: string;
  retry?: RetryPolicy;
}

/** How a step that selects by skill chose an attempt's agent. */
export interface AgentSelection {
  /** The agent chosen. */
  agent: string;
  /** Why, in words (e.g. `cheapest of 3 with skill summarize: $0.0010 per call`). */
  reason: string;
  /** Every candidate at the time, best first. */
  candidates: string[];
}

/**
 * One step instance inside a run, keyed by step id, plus `[i]` per enclosing foreach iteration
 * (`dive[2]`). Times are epoch ms.
 */
export interface StepState {
  status: StepStatus;
  /** Number of the current (or last) attempt; 0 before the first dispatch. */
  attempt: number;
  attempts: Attempt[];
  /** Rendered input of the current attempt (leaf steps). */
  input?: unknown;
  output?: unknown;
  error?: StepError;
  startedAt?: number;
  endedAt?: number;
  /** Why a step was skipped (see {@link SkipReason}). */
  skipReason?: SkipReason;
  /** For an error-handler step: the instance whose failure started it. */
  handling?: string;
  /** switch: the list key of the chosen case. */
  branch?: string;
  /** foreach: the list being iterated, and how many iterations have started. */
  items?: unknown[];
  started?: number;
  /** foreach: every iteration below this index has finished (a scan's starting point). */
  settledBelow?: number;
  /** For a step with `compensate:`: how its compensation ended. */
  compensation?: 'succeeded' | 'failed';
  /** sub-workflow step: the child run's id. */
  childRunId?: string;
  /** approval step: the votes of the current round. */
  votes?: Vote[];
  /** approval step: the comment of the latest decision (`''` when it had none), read as `{{ <id>.comment }}`. */
  comment?: string;
}

/**
 * A step instance as a decision sees it before taking it over: shared with the state it was copied
 * from, so it must not be changed in place. `own(state, key)` (engine/steps.ts) gives the
 * decision its own copy to change.
 */
export type SharedStep = Readonly<Omit<StepState, 'attempts' | 'votes' | 'items'>> & {
  readonly attempts: readonly Readonly<Attempt>[];
  readonly votes?: readonly Readonly<Vote>[];
  readonly items?: readonly unknown[];
};

/** What started the run, as templates see it under `trigger`. */
export interface TriggerInfo {
  type: TriggerType;
  [key: string]: unknown;
}

/** Everything the engine knows about one run; persisted by the RunObject after every event. */
export interface RunState {
  runId: string;
  workflow: string;
  version: number;
  status: RunStatus;
  definition: WorkflowDefinition;
  inputs: Record<string, unknown>;
  trigger: TriggerInfo;
  /** Step instances by key. Change one only through `own()` or `putStep()` (engine/steps.ts). */
  readonly steps: Readonly<Record<string, SharedStep>>;
  output?: unknown;
  error?: StepError;
  /** While compensations run after a failure: the instances still to compensate, newest first. */
  compensating?: { queue: string[]; current?: string; error: StepError; endAs?: 'cancelled' };
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** How many times the run was restarted from its failed steps. */
  restarts?: number;
  /** Debug mode: the run pauses before each step; `allow` is how many may start before the next pause. */
  debug?: { allow: number };
  /** The agents the run calls (by name), pinned when it started: their versions and step defaults; absent for older runs. */
  agents?: Readonly<Record<string, PinnedAgent>>;
  /** 1 (lowest) to 10; default 5: the order in which waiting runs and attempts go on. */
  priority?: number;
  /** The definition's `budget`: approvals granted, the host's reading of the day's spend, a pause (engine/budget.ts). */
  budget?: BudgetState;
  /** The flow-control places (`concurrency`, `singleton`) the run holds; its end releases them. */
  flow?: FlowHold[];
}

/** Which limit of a workflow's `budget` a check is about: `usd` (the run) or `usd_per_day` (the UTC day). */
export type BudgetScope = 'run' | 'day';

/** What a budget check found, and what a budget approval asks about. Amounts in USD. */
export interface BudgetAsk {
  spentUsd: number;
  limitUsd: number;
  scope: BudgetScope;
}

/** A run's budget bookkeeping (see engine/budget.ts). */
export interface BudgetState {
  /** Budget approvals granted for `usd`: each lets the run spend one more `usd`. */
  runGrants?: number;
  /** Budget approvals granted for `usd_per_day`, for the UTC day `day` (YYYY-MM-DD). */
  dayGrants?: { day: string; grants: number };
  /** What the workflow's other runs spent on `day` (UTC), as the host last read it, USD. */
  others?: { day: string; usd: number };
  /** Budget approvals asked so far (the `<n>` of `<runId>:run-budget:<n>`). */
  asked?: number;
  /** While the run is paused for its budget: the approval, and the step that waits. */
  waiting?: BudgetAsk & { approvalId: string; stepId: string; round: number };
}

/** A timer in the RunObject's storage; the Durable Object alarm is set to the earliest `at` (epoch ms). */
export interface Timer {
  id: string;
  at: number;
  kind:
    | 'retry'
    | 'step_timeout'
    | 'unclaimed'
    | 'sleep'
    | 'event_timeout'
    | 'run_timeout'
    | 'approval_deadline'
    | 'approval_escalate';
  /** Step instance key (empty for run_timeout). */
  stepId: string;
  attempt: number;
  /** For a unit of an agent loop (a model turn or a tool call): which one. */
  unit?: LoopUnit;
}

/** Which agent served an attempt, as its first report says (a selection, an offline agent's replacement). */
export interface Served {
  agent?: string;
  selection?: AgentSelection;
}

/** Inputs to `decide`. `stepId` is a step instance key. */
export type RunEvent =
  | { type: 'RunStarted' }
  | { type: 'StepStarted'; stepId: string; attempt: number; unit?: LoopUnit }
  | ({ type: 'TurnEnded'; stepId: string; attempt: number; turn: number; outcome: TurnOutcome } & Served)
  | { type: 'ToolCallEnded'; stepId: string; attempt: number; turn: number; callId: string; outcome: ToolOutcome }
  | ({
      type: 'StepSucceeded';
      stepId: string;
      attempt: number;
      output: unknown;
      usage?: Usage;
      provider?: string;
    } & Served)
  | ({
      type: 'StepFailed';
      stepId: string;
      attempt: number;
      error: StepError;
      usage?: Usage;
      provider?: string;
    } & Served)
  /** The executor did not call the agent: it has `max_concurrency` calls in flight; the attempt waits for a slot. */
  | ({ type: 'StepDeferred'; stepId: string; attempt: number; unit?: LoopUnit; reason: WaitReason } & Served)
  /** The agent slot a deferred attempt waited for is its now: it is dispatched again. */
  | { type: 'SlotGranted'; stepId: string; attempt: number; unit?: LoopUnit }
  | { type: 'TimerFired'; timer: Timer }
  | { type: 'EventReceived'; eventType: string; data: unknown }
  | {
      type: 'ApprovalDecided';
      stepId: string;
      attempt: number;
      decision: Choice;
      comment?: string;
      by: string;
      /** For the approval of an agent's tool call: which call. */
      toolCall?: LoopUnit;
      /** For a budget approval (`<runId>:run-budget:<n>`; `stepId` is the step that waits, `attempt` is `n`). */
      budget?: true;
    }
  /** The host's reading of what the workflow's other runs spent on the UTC `day` (for `budget.usd_per_day`), USD. */
  | { type: 'BudgetSpendRead'; day: string; othersUsd: number }
  | { type: 'RestartRequested' }
  | { type: 'PauseRequested' }
  | { type: 'ResumeRequested' }
  | { type: 'CancelRequested'; reason?: string };

/** Leaf step kinds executed by the Queue consumer. */
export type DispatchKind = 'agent' | 'http' | 'mcp';

/** Outputs of `decide`, carried out by the RunObject after the new state is persisted. */
export type Command =
  | { type: 'DispatchStep'; stepId: string; attempt: number; kind: DispatchKind; timeoutMs: number; unit?: LoopUnit }
  | {
      type: 'StartChildRun';
      stepId: string;
      attempt: number;
      workflow: string;
      version?: number;
      input: unknown;
      /** A tool call of an agent loop run as a child run (an `agent` or `workflow` tool). */
      unit?: LoopUnit;
      /** For an `agent` tool: the run is the one-step workflow that calls this agent. */
      agent?: string;
    }
  | { type: 'WaitForEvent'; stepId: string; eventType: string }
  | { type: 'StopWaiting'; stepId: string }
  | { type: 'SetTimer'; timer: Timer }
  | { type: 'CancelTimer'; timerId: string }
  | { type: 'CompleteRun'; output: unknown }
  | { type: 'FailRun'; error: StepError }
  | { type: 'CancelRun'; error: StepError }
  | { type: 'RequestApproval'; approval: ApprovalRequest }
  | {
      type: 'CloseApproval';
      approvalId: string;
      stepId: string;
      status: ApprovalStatus;
      decidedBy?: string;
      comment?: string;
    }
  | { type: 'EscalateApproval'; approvalId: string; stepId: string; to: string[] };

/** What an approval step asks, as the RunObject records and emails it. */
export interface ApprovalRequest {
  /** `<runId>:<step instance key>:<round>`; a `request_changes` starts the next round. */
  id: string;
  stepId: string;
  round: number;
  message: string;
  assignees: string[];
  options: Choice[];
  quorum: number;
  /** Epoch ms, or null without a deadline. */
  deadlineAt: number | null;
  /** For the approval of an agent's tool call: which call (`round` is then the step's attempt). */
  toolCall?: ToolCallRef;
  /** For a budget approval: what was spent against which limit. */
  budget?: BudgetAsk;
}

export type { ApprovalStatus };

/** One assignee's (or the API's, or the deadline's) decision on an approval round. */
export interface Vote {
  by: string;
  decision: Choice;
  comment?: string;
  /** Epoch ms. */
  at: number;
}

export interface Decision {
  state: RunState;
  commands: Command[];
}

/** Time and randomness, passed in so `decide` stays pure and testable. */
export interface Clock {
  /** Epoch ms. */
  now: number;
  /** Returns a number in [0, 1). */
  random: () => number;
}
