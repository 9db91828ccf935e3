import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { sha256Hex } from '../../lib/hash';
import type { StepError } from '../../schemas/errors';
import { ToolName } from '../../schemas/tools';
import type { ModelTool } from '../model/types';
import { boundDescription } from './bounds';
import { withMcpSession } from './mcp-session';
import { LIST_TIMEOUT_MS, type ToolEnv } from './types';

/** Most tools kept of one server's listing, and most `tools/list` pages read (`nextCursor`). */
export const MAX_MCP_TOOLS = 128;
export const MAX_MCP_PAGES = 5;
/** Largest `inputSchema` offered to a model, characters of JSON (a tool with a larger one is left out). */
export const MAX_TOOL_SCHEMA = 32_000;

/** The server part of an `mcp` tool spec. */
export interface McpServerSpec {
  server: string;
  headers?: Record<string, string>;
}

/** A server's usable tools; `truncated` when it listed more than the bounds read. */
export type McpListing = { ok: true; tools: ModelTool[]; truncated: boolean } | { ok: false; error: StepError };

/**
 * Lists a server's tools with `tools/list` in one session, following `nextCursor` for at most
 * {@link MAX_MCP_PAGES} pages and keeping at most {@link MAX_MCP_TOOLS} tools. A tool whose name a
 * model cannot call (`^[a-zA-Z0-9_-]{1,64}$`) or whose `inputSchema` is over {@link MAX_TOOL_SCHEMA}
 * characters is left out; descriptions are cut to 2 000 characters.
 * https://modelcontextprotocol.io/specification/2025-06-18/server/tools#listing-tools
 * @param where the spec's place (`tools[0]`) for messages.
 * @returns the tools, or the listing's failure (retryable when the transport failed).
 */
export async function listMcpTools(server: McpServerSpec, env: ToolEnv, where: string): Promise<McpListing> {
  const options = {
    server: server.server,
    headers: server.headers,
    host: env.host,
    signal: env.signal,
    timeoutMs: env.listTimeoutMs ?? LIST_TIMEOUT_MS,
    field: `${where}.mcp.server`,
  };
  const listed = await withMcpSession(options, `tools/list of ${server.server}`, async (session) => {
    const tools: ModelTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_MCP_PAGES; page++) {
      const result = await session.listTools(cursor);
      for (const tool of result.tools) {
        const usable = modelToolOf(tool);
        if (usable && tools.length < MAX_MCP_TOOLS) tools.push(usable);
        else if (usable) return { tools, truncated: true };
      }
      cursor = result.nextCursor;
      if (!cursor) return { tools, truncated: false };
    }
    return { tools, truncated: true };
  });
  return listed.ok ? { ok: true, ...listed.value } : listed;
}

/** An MCP tool as a model is offered it, or null when a model could not call it. */
function modelToolOf(tool: Tool): ModelTool | null {
  if (!ToolName.safeParse(tool.name).success) return null;
  const parameters = tool.inputSchema as Record<string, unknown>;
  if (JSON.stringify(parameters).length > MAX_TOOL_SCHEMA) return null;
  const description = boundDescription(tool.description ?? tool.title ?? `MCP tool ${tool.name}`);
  return { name: tool.name, description, parameters };
}

/**
 * The {@link ToolListCache} key of a server: its URL and a SHA-256 of its headers (sorted by
 * name), so header values (tokens) are never kept in the key.
 */
export async function toolListKey(server: string, headers?: Record<string, string>): Promise<string> {
  const sorted = Object.entries(headers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${server}#${await sha256Hex(JSON.stringify(sorted))}`;
}
