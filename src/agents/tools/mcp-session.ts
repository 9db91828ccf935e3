import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { type CallToolResult, ErrorCode, type ListToolsResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker-provider.js';
import type { StepError } from '../../schemas/errors';
import { TIMEOUT_FAILURE, thrownFailure, urlRefused } from '../http-errors';
import type { AgentHost } from '../types';

/**
 * One MCP session over Streamable HTTP with the official MCP TypeScript SDK client
 * (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports) and the eval-free
 * cfworker JSON Schema validator (workerd has no `new Function`), shared by the `mcp:` step and MCP tools.
 */

/** Where a session goes and what bounds it. */
export interface McpSessionOptions {
  /** http(s) URL of the MCP server; checked against the outbound URL policy first. */
  server: string;
  headers?: Record<string, string>;
  host: AgentHost;
  /** Aborts every request of the session (the attempt's timeout). */
  signal: AbortSignal;
  /**
   * Time the whole session may take, ms. The SDK ends a request after 60 s by default
   * (`DEFAULT_REQUEST_TIMEOUT_MSEC`): each request gets the time left instead (as `timeout` and
   * `maxTotalTimeout`; progress notifications do not extend it), a second past it so that the
   * caller's own timer and `signal` end the attempt first. Without it, the SDK's default applies.
   */
  timeoutMs?: number;
  /** Where the server URL came from, for a refusal (`mcp.server`). */
  field?: string;
}

/** The requests of an open session; both throw what {@link mcpFailure} classifies. */
export interface McpSession {
  listTools(cursor?: string): Promise<ListToolsResult>;
  callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
}

/** Largest answer of an MCP server read for one request (a JSON body or one SSE stream), bytes. */
export const MAX_MCP_RESPONSE_BYTES = 8 * 1024 * 1024;

/** A session's result, or why it failed (classified once). */
export type McpOutcome<T> = { ok: true; value: T } | { ok: false; error: StepError };

/**
 * Opens a session (`initialize`), runs `use`, and ends the session in any case (`DELETE`, then
 * `close`). Never throws: a refused URL, transport failures and JSON-RPC errors come back classified
 * by {@link mcpFailure}, with `label` (the tool, or `tools/list`) in their messages; an answer over
 * {@link MAX_MCP_RESPONSE_BYTES} ends the session's requests with a `tool_error` (not retryable).
 */
export async function withMcpSession<T>(
  options: McpSessionOptions,
  label: string,
  use: (session: McpSession) => Promise<T>,
): Promise<McpOutcome<T>> {
  const refused = urlRefused(options.field ?? 'mcp.server', options.server);
  if (refused) return refused;
  const { timeoutMs } = options;
  // Ends the session's requests when an answer grows past its bound, as the attempt's timeout does.
  const oversized = new AbortController();
  const signal = AbortSignal.any([options.signal, oversized.signal]);
  const client = new Client(
    { name: 'baton', version: '0.1.0' },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const transport = new StreamableHTTPClientTransport(new URL(options.server), {
    requestInit: { headers: options.headers ?? {} },
    fetch: async (u, init) => bounded(await options.host.fetch(u, init), () => oversized.abort()),
  });
  const deadline = timeoutMs ? Date.now() + timeoutMs : undefined;
  const limits = (): RequestOptions => {
    if (deadline === undefined) return { signal };
    const left = Math.max(1, deadline - Date.now()) + 1000;
    return { signal, timeout: left, maxTotalTimeout: left, resetTimeoutOnProgress: false };
  };
  const session: McpSession = {
    listTools: (cursor) => client.listTools(cursor ? { cursor } : undefined, limits()),
    callTool: async (name, args) =>
      (await client.callTool({ name, arguments: args }, undefined, limits())) as CallToolResult,
  };
  try {
    await client.connect(transport, limits());
    return { ok: true, value: await use(session) };
  } catch (err) {
    if (oversized.signal.aborted && !options.signal.aborted)
      return {
        ok: false,
        error: {
          code: 'tool_error',
          message: `${label}: the MCP server answered more than ${MAX_MCP_RESPONSE_BYTES} bytes`.slice(0, 500),
          retryable: false,
        },
      };
    return { ok: false, error: mcpFailure(err, options.signal, label) };
  } finally {
    await endSession(client, transport);
  }
}

/**
 * Classifies a thrown MCP failure: JSON-RPC errors from the server (unknown tool, bad arguments…)
 * will not change on retry (`tool_error`); the SDK's ConnectionClosed (-32000) is a transport
 * failure, RequestTimeout (-32001) a `timeout`, both retryable, as network errors are.
 */
export function mcpFailure(err: unknown, signal: AbortSignal, label: string): StepError {
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) return { ...TIMEOUT_FAILURE };
  if (err instanceof McpError && err.code !== ErrorCode.ConnectionClosed)
    return { code: 'tool_error', message: `${label}: ${err.message}`.slice(0, 500), retryable: false };
  return thrownFailure(err, signal);
}

/** Tool output as a template or a model reads it: structured content, else the text, else the content list. */
export function mcpToolOutput(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const content = result.content ?? [];
  if (content.every((c) => c.type === 'text'))
    return content.map((c) => (c as { text?: string }).text ?? '').join('\n');
  return content;
}

/** A `tools/call` result as an outcome: `isError` is a `tool_error` (not retryable) naming the tool. */
export function mcpCallOutcome(name: string, result: CallToolResult): McpOutcome<unknown> {
  const output = mcpToolOutput(result);
  if (!result.isError) return { ok: true, value: output };
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  return { ok: false, error: { code: 'tool_error', message: `${name}: ${text}`.slice(0, 500), retryable: false } };
}

/** The response with its body cut off (errored) past {@link MAX_MCP_RESPONSE_BYTES}, calling `onExceeded` then. */
function bounded(response: Response, onExceeded: () => void): Response {
  if (!response.body) return response;
  let bytes = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (bytes > MAX_MCP_RESPONSE_BYTES) {
        onExceeded();
        controller.error(new Error(`an answer of more than ${MAX_MCP_RESPONSE_BYTES} bytes`));
        return;
      }
      controller.enqueue(chunk);
    },
  });
  const { status, statusText, headers } = response;
  return new Response(response.body.pipeThrough(counter), { status, statusText, headers });
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
