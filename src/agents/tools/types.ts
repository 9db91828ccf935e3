import type { LoopTool } from '../../core/engine/loop-types';
import type { ToolSpec } from '../../schemas/tools';
import type { ModelTool } from '../model/types';
import type { AgentHost } from '../types';

/**
 * The tools of one agent loop, as the executor resolves them from the agent's and the step's
 * `tools:` (src/schemas/tools.ts) into what the model is offered and how each call is carried out.
 */

/**
 * The tool lists of MCP servers already listed in a run (`tools/list` is made once per run and
 * server): the executor passes one per run. Keys come from {@link toolListKey} (server URL and a
 * hash of the headers); values are every usable tool the server listed, before any `allow` filter.
 */
export interface ToolListCache {
  get(key: string): ModelTool[] | undefined;
  set(key: string, list: ModelTool[]): void;
}

/** What resolving tools may use. */
export interface ToolEnv {
  host: AgentHost;
  /** Aborts the listing (the attempt's timeout). */
  signal: AbortSignal;
  cache?: ToolListCache;
  /** The description of a registered agent (for `agent` tools without one), or null when it has none. */
  describeAgent?(name: string): Promise<string | null>;
  /** Bound of one server's listing (connect and every page), ms; default {@link LIST_TIMEOUT_MS}. */
  listTimeoutMs?: number;
}

/** Default bound of one MCP server's listing, ms. */
export const LIST_TIMEOUT_MS = 30_000;

/** One tool as resolved: what the model sees, what the loop records, its spec, and for MCP the server's name for it. */
export interface ResolvedTool {
  model: ModelTool;
  loop: LoopTool;
  spec: ToolSpec;
  /** For `mcp` tools: the name `tools/call` is sent (the server's; equal to `model.name`). */
  mcpName?: string;
}

/** What one tool call gets: the host, the unit's abort signal and idempotency key, its time left. */
export interface ToolCallContext {
  host: AgentHost;
  signal: AbortSignal;
  /** `${runId}:${stepId}:${attempt}:${turn}:${callId}`, sent as `Idempotency-Key` (http tools). */
  idempotencyKey: string;
  /** The unit's time left, ms (MCP calls longer than the SDK's 60 s default need it). */
  timeoutMs?: number;
}
