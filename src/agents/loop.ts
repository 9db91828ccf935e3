import { toText } from '../core/expressions';
import type {
  AgentLoop,
  LoopSettings,
  LoopTool,
  ToolCallRecord,
  ToolOutcome,
  TurnOutcome,
} from '../core/engine/loop-types';
import type { AgentRecord } from '../schemas/agent';
import type { StepError } from '../schemas/errors';
import { DEFAULT_MAX_TOOL_CALLS, DEFAULT_MAX_TURNS, type ToolSpec } from '../schemas/tools';
import type { ChatMessage, ModelProvider, ModelRequest, ModelTool, ToolResultMessage } from './model/types';
import { checkAnswer } from '../lib/structured-output';
import type { AgentHost } from './types';

/**
 * The executor's side of an agent loop: one unit at a time — a model turn (the conversation so far
 * → the model's reply, its answer checked against `output_schema`) or one tool call. What comes
 * next is the engine's decision (src/core/engine/agent-loop.ts), from what these report.
 */

/** A tool resolved from its spec: what the model is offered, and how a call is carried out. */
export interface ResolvedTool {
  model: ModelTool;
  loop: LoopTool;
  spec: ToolSpec;
  /** For MCP tools: the tool's name on its server. */
  mcpName?: string;
}

/** Tool lists discovered from MCP servers (`tools/list`), kept per run so every turn offers the same tools. */
export interface ToolListCache {
  get(key: string): ModelTool[] | undefined;
  set(key: string, tools: ModelTool[]): void;
}

/** What resolving tools may use: the host, the attempt's signal, the run's cache, agent descriptions. */
export interface ToolEnv {
  host: AgentHost;
  signal: AbortSignal;
  cache?: ToolListCache;
  describeAgent?(name: string): Promise<string | null>;
}

/** The model and tool functions a loop uses (injected: the Worker wires the real ones, the bench its own). */
export interface LoopDeps {
  callModel: ModelProvider;
  resolveTools(
    specs: ToolSpec[],
    env: ToolEnv,
  ): Promise<{ ok: true; tools: ResolvedTool[] } | { ok: false; error: StepError }>;
  callTool(
    tool: ResolvedTool,
    args: unknown,
    ctx: { host: AgentHost; signal: AbortSignal; idempotencyKey: string; timeoutMs?: number },
  ): Promise<ToolOutcome>;
}

/** An agent step's loop keys (from its definition). */
export interface StepLoop {
  tools?: ToolSpec[];
  output_schema?: Record<string, unknown>;
  max_turns?: number;
  max_tool_calls?: number;
}

/** The loop keys in force: the agent's tools plus the step's; the step's schema and limits win. */
export function loopKeysOf(agent: AgentRecord, step: StepLoop = {}) {
  // A step may repeat a tool of its agent: the same spec is offered once.
  const seen = new Set<string>();
  const tools = [...(agent.tools ?? []), ...(step.tools ?? [])].filter((spec) => {
    const key = JSON.stringify(spec);
    return !seen.has(key) && !!seen.add(key);
  });
  return {
    tools,
    outputSchema: step.output_schema ?? agent.output_schema,
    maxTurns: step.max_turns ?? agent.max_turns ?? DEFAULT_MAX_TURNS,
    maxToolCalls: step.max_tool_calls ?? agent.max_tool_calls ?? DEFAULT_MAX_TOOL_CALLS,
  };
}

/** One unit of a loop, as the executor gets it. Keys: `${runId}:${stepId}:${attempt}:${turn}:${callId|model}`. */
export interface UnitRequest {
  runId: string;
  stepId: string;
  attempt: number;
  /** The step's rendered input: the first user message. */
  input: unknown;
  stepLoop?: StepLoop;
  /** The loop so far; absent for turn 1. */
  loop?: AgentLoop;
  signal: AbortSignal;
  /** Time left of the step's timeout, ms. */
  timeoutMs: number;
}

/** What the model reads of a tool call's result. */
function resultOf(call: ToolCallRecord): ToolResultMessage {
  const content =
    call.status === 'failed'
      ? `error: ${call.error?.message ?? 'the call failed'}`
      : typeof call.output === 'string'
        ? call.output
        : (JSON.stringify(call.output) ?? 'null');
  return { callId: call.id, name: call.name, content, ...(call.status === 'failed' ? { isError: true } : {}) };
}

/** The note a repair turn starts with: what was wrong with the answer. */
function repairNote(issues: { path: string; message: string }[]): string {
  const list = issues.map((i) => `- ${i.path || '(the whole answer)'}: ${i.message}`).join('\n');
  return `Your answer does not match the required JSON Schema:\n${list}\nAnswer again with only a JSON value that matches the schema.`;
}

/** The conversation a model turn reads: the step input, then each earlier turn's reply and tool results. */
export function transcriptOf(input: unknown, loop: AgentLoop | undefined, turn: number): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', text: toText(input) }];
  for (const t of loop?.turns ?? []) {
    if (t.repairOf) messages.push({ role: 'user', text: repairNote(t.repairOf) });
    if (t.turn >= turn) break;
    const toolCalls = t.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
    messages.push({ role: 'assistant', text: t.text ?? '', toolCalls });
    if (t.toolCalls.length) messages.push({ role: 'tool', results: t.toolCalls.map(resultOf) });
  }
  return messages;
}

/**
 * One model turn: offers the tools, sends the conversation, checks a final answer against the
 * output schema. Never throws for agent failures.
 */
export async function runModelTurn(
  deps: LoopDeps,
  agent: AgentRecord,
  turn: number,
  req: UnitRequest,
  env: ToolEnv,
): Promise<TurnOutcome> {
  const keys = loopKeysOf(agent, req.stepLoop);
  const resolved = await deps.resolveTools(keys.tools, env);
  if (!resolved.ok) return { ok: false, error: resolved.error, provider: agent.provider };
  const settings: LoopSettings = {
    maxTurns: keys.maxTurns,
    maxToolCalls: keys.maxToolCalls,
    structured: keys.outputSchema !== undefined,
    tools: Object.fromEntries(resolved.tools.map((t) => [t.model.name, t.loop])),
  };
  const request: ModelRequest = {
    messages: transcriptOf(req.input, req.loop, turn),
    tools: resolved.tools.map((t) => t.model),
    ...(keys.outputSchema ? { outputSchema: keys.outputSchema } : {}),
    idempotencyKey: `${req.runId}:${req.stepId}:${req.attempt}:${turn}:model`,
    signal: req.signal,
  };
  const result = await deps.callModel(agent, request, env.host);
  if (!result.ok) return { ok: false, error: result.error, usage: result.usage, provider: agent.provider };
  const reply = { ...result.reply };
  if (!reply.toolCalls.length) {
    if (keys.outputSchema) {
      const checked = checkAnswer(reply.text, keys.outputSchema);
      if (checked.ok) reply.output = checked.output;
      else reply.invalid = checked.issues;
    } else reply.output = reply.text;
  }
  return { ok: true, reply, settings, provider: agent.provider };
}

/** One tool call of a turn, with the tools resolved again (MCP lists come from the run's cache). */
export async function runToolCall(
  deps: LoopDeps,
  agent: AgentRecord,
  call: ToolCallRecord,
  turn: number,
  req: UnitRequest,
  env: ToolEnv,
): Promise<ToolOutcome> {
  const resolved = await deps.resolveTools(loopKeysOf(agent, req.stepLoop).tools, env);
  if (!resolved.ok) return { ok: false, error: resolved.error };
  const tool = resolved.tools.find((t) => t.model.name === call.name);
  if (!tool)
    return {
      ok: false,
      error: {
        code: 'tool_error',
        message: `the tool ${call.name} is no longer offered by the agent`,
        retryable: false,
      },
    };
  const idempotencyKey = `${req.runId}:${req.stepId}:${req.attempt}:${turn}:${call.id}`;
  return deps.callTool(tool, call.arguments, {
    host: env.host,
    signal: req.signal,
    idempotencyKey,
    timeoutMs: req.timeoutMs,
  });
}
