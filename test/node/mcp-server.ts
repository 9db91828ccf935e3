import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** Files written by the `write_file` tool, for assertions (served at GET /mcp-files). */
export const mcpFiles = new Map<string, string>();

/**
 * A real MCP server (official SDK, Streamable HTTP, stateless) with two tools: `write_file`
 * `{ path, content }` → "wrote N bytes to path", and `fail` → a tool error.
 */
export async function handleMcp(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const server = new McpServer({ name: 'baton-test-tools', version: '1.0.0' });
  server.registerTool('write_file', { description: 'Writes a file', inputSchema: { path: z.string(), content: z.string() } }, async ({ path, content }) => {
    mcpFiles.set(path, content);
    return { content: [{ type: 'text', text: `wrote ${content.length} bytes to ${path}` }] };
  });
  server.registerTool('fail', { description: 'Always fails', inputSchema: {} }, async () => ({ isError: true, content: [{ type: 'text', text: 'disk full' }] }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
