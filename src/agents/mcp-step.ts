import { mcpCallOutcome, withMcpSession } from './tools/mcp-session';
import type { AgentHost, AgentResult } from './types';

/** The rendered `mcp:` block of a step. */
export interface McpStepInput {
  server: string;
  tool: string;
  arguments?: unknown;
  headers?: Record<string, string>;
}

/**
 * An `mcp:` step: one `tools/call` on an MCP server over Streamable HTTP, in its own session
 * ({@link withMcpSession}: official SDK client, bounded requests, the session ended in any case).
 * A tool result with `isError` fails the step (`tool_error`, not retryable); transport failures are
 * retryable; a call past the attempt's time fails with code `timeout`.
 * @param timeoutMs the attempt's time left, ms; without it the SDK's default (60 s) applies.
 */
export async function runMcpStep(
  input: McpStepInput,
  signal: AbortSignal,
  host: AgentHost,
  timeoutMs?: number,
): Promise<AgentResult> {
  const args =
    input.arguments && typeof input.arguments === 'object' ? (input.arguments as Record<string, unknown>) : {};
  const options = { server: input.server, headers: input.headers, host, signal, timeoutMs };
  const called = await withMcpSession(options, input.tool, (session) => session.callTool(input.tool, args));
  if (!called.ok) return called;
  const outcome = mcpCallOutcome(input.tool, called.value);
  return outcome.ok ? { ok: true, output: outcome.value } : outcome;
}
