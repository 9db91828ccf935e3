import type { Issue, StepError } from '../../schemas/errors';
import type { ToolApproval, ToolKind } from '../../schemas/tools';
import type { Usage } from './types';

/**
 * The agent loop of one attempt (DESIGN.md "Agents that act"): model turn → tool calls → model
 * turn … Each model turn and each tool call is a durable unit, recorded before it is made, with the
 * idempotency key `${runId}:${stepId}:${attempt}:${turn}:${callId}` (`model` as callId for a turn).
 * Turn 1 is the attempt itself (so a tool-less agent is one call, as before).
 */

/** One unit of a loop: a model turn (no `callId`), or one tool call the model asked for in `turn`. */
export interface LoopUnit {
  turn: number;
  callId?: string;
}

/** What one tool name stands for, as the executor resolved it from the agent's and the step's `tools`. */
export interface LoopTool {
  kind: ToolKind;
  /** For `agent` and `workflow` tools: the agent's or workflow's name (a child run). */
  target?: string;
  /** For `workflow` tools: a pinned version. */
  version?: number;
  approval?: ToolApproval;
}

/** The loop's settings, resolved by the executor for the first turn (agent record + step) and kept on the attempt. */
export interface LoopSettings {
  maxTurns: number;
  maxToolCalls: number;
  /** The tools the model was offered, by name. */
  tools: Record<string, LoopTool>;
  /** Whether answers are checked against an `output_schema` (an invalid one gets one repair turn). */
  structured: boolean;
}

/** A tool call as the model asked for it. `arguments` is the parsed JSON object (or the raw text when unparseable). */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: unknown;
}

/** A model's answer in one turn, provider-neutral. Text is bounded by the provider. */
export interface ModelReply {
  /** The assistant text of the turn ('' when it only called tools). */
  text: string;
  toolCalls: ToolCallRequest[];
  /** For a turn without tool calls: the step output (the parsed object when structured, else the text). */
  output?: unknown;
  /** Why a structured answer does not match the output schema, at JSON paths (`/category`). */
  invalid?: Issue[];
  /** The model that answered, as the provider named it. */
  model?: string;
  usage?: Usage;
}

/** Status of a tool call: `waiting` for its approval, `rejected` by it (its result says so). */
export type ToolCallStatus = 'pending' | 'waiting' | 'running' | 'succeeded' | 'failed' | 'rejected';

/** The approval checkpoint of one tool call. Times are epoch ms. */
export interface ToolCallApproval {
  id: string;
  assignees: string[];
  message: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  comment?: string;
  decidedAt?: number;
}

/** One tool call of a turn. Times are epoch ms; `tries` counts its executions (retries included). */
export interface ToolCallRecord {
  id: string;
  name: string;
  kind: ToolKind | 'unknown';
  arguments: unknown;
  status: ToolCallStatus;
  tries: number;
  dispatchedAt?: number;
  startedAt?: number;
  endedAt?: number;
  /** The tool result the model reads (bounded text or JSON). */
  output?: unknown;
  error?: StepError;
  usage?: Usage;
  approval?: ToolCallApproval;
  /** For `agent` and `workflow` tools: the child run. */
  childRunId?: string;
  /** While a failed try waits for its retry: when it is due (epoch ms). */
  retryAt?: number;
}

/** One model turn. Times are epoch ms; `tries` counts its executions (retries included). */
export interface TurnRecord {
  turn: number;
  status: 'running' | 'succeeded' | 'failed';
  tries: number;
  dispatchedAt: number;
  startedAt?: number;
  endedAt?: number;
  provider?: string;
  model?: string;
  usage?: Usage;
  /** The assistant text of the turn. */
  text?: string;
  toolCalls: ToolCallRecord[];
  /** This turn was asked to repair an answer that failed the output schema with these issues. */
  repairOf?: Issue[];
  /** This turn's answer failed the output schema with these issues. */
  invalid?: Issue[];
  /** True when this turn gave the step its answer. */
  answered?: boolean;
  error?: StepError;
  /** While a failed try waits for its retry: when it is due (epoch ms). */
  retryAt?: number;
}

/** The loop of one attempt: its settings (from the first turn) and its turns, oldest first. */
export interface AgentLoop {
  settings: LoopSettings;
  turns: TurnRecord[];
}

/** A model turn's outcome, as reported. */
export type TurnOutcome =
  | { ok: true; reply: ModelReply; settings: LoopSettings; provider?: string }
  | { ok: false; error: StepError; usage?: Usage; provider?: string };

/** A tool call's outcome, as reported. A failed call is a result the model reads, not the step's failure. */
export type ToolOutcome = (
  | { ok: true; output: unknown; usage?: Usage }
  | { ok: false; error: StepError; usage?: Usage }
) & {
  /** For `agent` and `workflow` tools: the child run that answered. */
  childRunId?: string;
};
