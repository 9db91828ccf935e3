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
 *
 * The SDK ends a request after 60 s by default (`DEFAULT_REQUEST_TIMEOUT_MSEC`): each request gets
 * the attempt's time left instead (as `timeout` and `maxTotalTimeout`, progress notifications do not
 * extend it), a second past it so that the step's own timer and `signal` end the attempt, failed
 * with code `timeout`. The session is ended in any case: `DELETE` (`terminateSession`), then `close`.
 * @param timeoutMs the attempt's time left, ms; without it the SDK's default applies.
 */
export async function runMcpStep(
  input: McpStepInput,
  signal: AbortSignal,
  host: AgentHost,
  timeoutMs?: number,
): Promise<AgentResult> {
  const refused = urlRefused('mcp.server', input.server);
  if (refused) return refused;
  const url = new URL(input.server);
  const client = new Client(
    { name: 'baton', version: '0.1.0' },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: input.headers ?? {} },
    fetch: (u, init) => host.fetch(u, init),
  });
  const deadline = timeoutMs ? Date.now() + timeoutMs : undefined;
  const limits = () => {
    if (deadline === undefined) return { signal };
    const left = Math.max(1, deadline - Date.now()) + 1000;
    return { signal, timeout: left, maxTotalTimeout: left, resetTimeoutOnProgress: false };
  };
  try {
    await client.connect(transport, limits());
    const args =
      input.arguments && typeof input.arguments === 'object' ? (input.arguments as Record<string, unknown>) : {};
    const result = await client.callTool({ name: input.tool, arguments: args }, undefined, limits());
    const output = toolOutput(result as never);
    if (result.isError)
      return {
        ok: false,
        error: {
          code: 'tool_error',
          message: `${input.tool}: ${typeof output === 'string' ? output : JSON.stringify(output)}`.slice(0, 500),
          retryable: false,
        },
      };
    return { ok: true, output };
  } catch (err) {
    // JSON-RPC errors from the server (unknown tool, bad arguments…) will not change on retry;
    // the SDK's ConnectionClosed (-32000) and RequestTimeout (-32001) are transport failures.
    if (err instanceof McpError && err.code !== ErrorCode.ConnectionClosed && err.code !== ErrorCode.RequestTimeout) {
      return {
        ok: false,
        error: { code: 'tool_error', message: `${input.tool}: ${(err as Error).message}`, retryable: false },
      };
    }
    if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
      return { ok: false, error: { ...TIMEOUT_FAILURE } };
    return { ok: false, error: thrownFailure(err, signal) };
  } finally {
    await endSession(client, transport);
  }
}

/** At most this long for the server to answer the session's `DELETE`, ms. */
const TERMINATE_WAIT_MS = 5_000;

/**
 * Ends an MCP session: `DELETE` with its `Mcp-Session-Id` (nothing is sent when the server gave
 * none; a 405 means it keeps sessions itself), then closes the client, which aborts what is still
 * open. Never throws. https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management
 */
async function endSession(client: Client, transport: StreamableHTTPClientTransport): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, TERMINATE_WAIT_MS)));
  await Promise.race([transport.terminateSession().catch(() => undefined), waited]);
  if (timer !== undefined) clearTimeout(timer);
  await client.close().catch(() => undefined);
}
