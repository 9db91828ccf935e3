import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker-provider.js';
import { TIMEOUT_FAILURE, thrownFailure, urlRefused } from './http-errors';
import type { AgentHost, AgentResult } from './types';

/** The rendered `mcp:` block of a step. */
export interface McpStepInput {
  server: string;
  tool: string;
  arguments?: unknown;
  headers?: Record<string, string>;
}

/** Tool output as a template reads it: structured content, else the text, else the content list. */
function toolOutput(result: { content?: { type: string; text?: string }[]; structuredContent?: unknown }): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const content = result.content ?? [];
  if (content.every((c) => c.type === 'text')) return content.map((c) => c.text ?? '').join('\n');
  return content;
}

/**
 * An `mcp:` step: one `tools/call` on an MCP server over Streamable HTTP, with the official MCP
 * TypeScript SDK client (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports)
 * and the eval-free cfworker JSON Schema validator (workerd has no `new Function`). A tool result
 * with `isError` fails the step (not retryable); transport failures are retryable.
 * @param timeoutMs the attempt's time left; the SDK's request timeout is set past it.
 */
export async function runMcpStep(input: McpStepInput, signal: AbortSignal, host: AgentHost, timeoutMs?: number): Promise<AgentResult> {
  const refused = urlRefused('mcp.server', input.server);
  if (refused) return refused;
  const url = new URL(input.server);
  const client = new Client({ name: 'baton', version: '0.1.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: input.headers ?? {} }, fetch: (u, init) => host.fetch(u, init) });
  try {
    // The SDK's own 60 s request timeout would end long steps early, as another error: the step's governs.
    const limits = { signal, ...(timeoutMs ? { timeout: timeoutMs + 1000 } : {}) };
    await client.connect(transport, limits);
    const args = input.arguments && typeof input.arguments === 'object' ? (input.arguments as Record<string, unknown>) : {};
    const result = await client.callTool({ name: input.tool, arguments: args }, undefined, limits);
    const output = toolOutput(result as never);
    if (result.isError) return { ok: false, error: { code: 'tool_error', message: `${input.tool}: ${typeof output === 'string' ? output : JSON.stringify(output)}`.slice(0, 500), retryable: false } };
    return { ok: true, output };
  } catch (err) {
    // JSON-RPC errors from the server (unknown tool, bad arguments…) will not change on retry;
    // the SDK's ConnectionClosed (-32000) and RequestTimeout (-32001) are transport failures.
    if (err instanceof McpError && err.code !== ErrorCode.ConnectionClosed && err.code !== ErrorCode.RequestTimeout) {
      return { ok: false, error: { code: 'tool_error', message: `${input.tool}: ${(err as Error).message}`, retryable: false } };
    }
    if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) return { ok: false, error: { ...TIMEOUT_FAILURE } };
    return { ok: false, error: thrownFailure(err, signal) };
  } finally {
    await client.close().catch(() => undefined);
  }
}
