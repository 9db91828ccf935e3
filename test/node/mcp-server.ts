import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** Files written by the `write_file` tool, for assertions (served at GET /mcp-files). */
export const mcpFiles = new Map<string, string>();

/** Per endpoint (`/mcp` or `/mcp/<name>`): sessions opened, `DELETE`s received, tool calls. */
export interface McpStats {
  sessions: number;
  deletes: number;
  calls: Record<string, number>;
}
export const mcpStats = new Map<string, McpStats>();

/** Open sessions by id: a stateful server, as the MCP reference servers are. */
const sessions = new Map<string, StreamableHTTPServerTransport>();

function statsOf(endpoint: string): McpStats {
  let stats = mcpStats.get(endpoint);
  if (!stats) {
    stats = { sessions: 0, deletes: 0, calls: {} };
    mcpStats.set(endpoint, stats);
  }
  return stats;
}

/**
 * The tools: `write_file` `{ path, content }` → "wrote N bytes to path"; `fail` → a tool error;
 * `sleep` `{ ms }` → "slept N ms" after ms.
 */
function toolServer(stats: McpStats): McpServer {
  const server = new McpServer({ name: 'baton-test-tools', version: '1.0.0' });
  const counted = (name: string) => (stats.calls[name] = (stats.calls[name] ?? 0) + 1);
  server.registerTool(
    'write_file',
    { description: 'Writes a file', inputSchema: { path: z.string(), content: z.string() } },
    async ({ path, content }) => {
      counted('write_file');
      mcpFiles.set(path, content);
      return { content: [{ type: 'text', text: `wrote ${content.length} bytes to ${path}` }] };
    },
  );
  server.registerTool('fail', { description: 'Always fails', inputSchema: {} }, async () => {
    counted('fail');
    return { isError: true, content: [{ type: 'text', text: 'disk full' }] };
  });
  server.registerTool(
    'sleep',
    { description: 'Answers after ms milliseconds', inputSchema: { ms: z.number().int().min(0).max(600_000) } },
    async ({ ms }) => {
      counted('sleep');
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
    },
  );
  return server;
}

/**
 * A real MCP server (official SDK, Streamable HTTP, stateful: `initialize` opens a session with an
 * `Mcp-Session-Id`, `DELETE` ends it). `endpoint` keys the counts of GET /mcp-stats/<name>.
 */
export async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  endpoint: string,
): Promise<void> {
  const stats = statsOf(endpoint);
  if (req.method === 'DELETE') stats.deletes++;
  const id = req.headers['mcp-session-id'];
  const open = typeof id === 'string' ? sessions.get(id) : undefined;
  if (open) return open.handleRequest(req, res, body);
  if (typeof id === 'string' || req.method !== 'POST' || !isInitializeRequest(body)) {
    res.writeHead(typeof id === 'string' ? 404 : 400, { 'content-type': 'application/json' });
    return void res.end(
      JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }),
    );
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (sessionId) => {
      stats.sessions++;
      sessions.set(sessionId, transport);
    },
  });
  const server = toolServer(stats);
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
