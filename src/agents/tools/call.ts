import type { ToolOutcome } from '../../core/engine/loop-types';
import { boundToolOutput } from './bounds';
import { callHttpTool } from './http-tool';
import { mcpCallOutcome, withMcpSession } from './mcp-session';
import type { ResolvedTool, ToolCallContext } from './types';

/**
 * Carries out one tool call of an agent loop, in the attempt: `mcp` tools with `tools/call` in a
 * session of their own (its requests bounded by `ctx.timeoutMs`, so a call past the SDK's 60 s
 * default succeeds when the time allows), `http` tools with {@link callHttpTool}. `agent` and
 * `workflow` tools are child runs the engine starts; asked for one, this answers `internal_error`.
 * Outputs are bounded for the model ({@link boundToolOutput}). Never throws.
 * @param args the model's arguments (an object for MCP tools; anything else is a `tool_error` the model reads).
 * @returns the output, or a failure: `isError` and JSON-RPC errors are `tool_error` (not retryable);
 * transport failures and timeouts are retryable.
 */
export async function callTool(tool: ResolvedTool, args: unknown, ctx: ToolCallContext): Promise<ToolOutcome> {
  const { spec } = tool;
  if ('mcp' in spec) {
    const name = tool.mcpName ?? tool.model.name;
    if (!args || typeof args !== 'object' || Array.isArray(args))
      return {
        ok: false,
        error: { code: 'tool_error', message: `${name}: the arguments must be a JSON object`, retryable: false },
      };
    const options = { server: spec.mcp.server, headers: spec.mcp.headers, ...ctx };
    const called = await withMcpSession(options, name, (session) =>
      session.callTool(name, args as Record<string, unknown>),
    );
    if (!called.ok) return called;
    const outcome = mcpCallOutcome(name, called.value);
    return outcome.ok ? { ok: true, output: boundToolOutput(outcome.value) } : outcome;
  }
  if ('http' in spec) {
    const outcome = await callHttpTool(spec.http, args, ctx);
    return outcome.ok ? { ...outcome, output: boundToolOutput(outcome.output) } : outcome;
  }
  return {
    ok: false,
    error: {
      code: 'internal_error',
      message: `${tool.model.name}: ${tool.loop.kind} tools run as child runs, not in the attempt`,
      retryable: false,
    },
  };
}
