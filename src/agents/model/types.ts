import type { ModelReply, ToolCallRequest } from '../../core/engine/loop-types';
import type { Usage } from '../../core/engine/types';
import type { AgentRecord } from '../../schemas/agent';
import type { StepError } from '../../schemas/errors';
import type { AgentHost } from '../types';

/**
 * What a model provider (`openai`, `anthropic`) is asked for one turn of an agent loop, and what it
 * answers — provider-neutral, so the loop (and its transcript) does not care which API it talks to.
 */

/** One message of the conversation so far. The system prompt is the agent's `config.system`. */
export type ChatMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls: ToolCallRequest[] }
  | { role: 'tool'; results: ToolResultMessage[] };

/** The result of one tool call as the model reads it: text (JSON is stringified), flagged when it is an error. */
export interface ToolResultMessage {
  callId: string;
  name: string;
  content: string;
  isError?: boolean;
}

/** A tool as offered to the model: `parameters` is the JSON Schema of its arguments (an object schema). */
export interface ModelTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One model turn. */
export interface ModelRequest {
  messages: ChatMessage[];
  tools: ModelTool[];
  /** When set, the answer must be JSON of this schema (OpenAI `response_format: json_schema`). */
  outputSchema?: Record<string, unknown>;
  /** `${runId}:${stepId}:${attempt}:${turn}:model`, sent as the `Idempotency-Key` header. */
  idempotencyKey: string;
  signal: AbortSignal;
}

/**
 * A provider's answer: never throws for model failures, classifies them once (429, 529, 5xx,
 * timeouts and network errors retryable, `Retry-After` honoured; other 4xx not).
 * `reply.output` and `reply.invalid` are left to the loop (it parses and validates).
 */
export type ModelResult = { ok: true; reply: ModelReply } | { ok: false; error: StepError; usage?: Usage };

export type ModelProvider = (agent: AgentRecord, request: ModelRequest, host: AgentHost) => Promise<ModelResult>;
