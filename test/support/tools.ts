import type { ResolvedTool, ToolEnv } from '../../src/agents/tools';
import { resolveTools } from '../../src/agents/tools';
import type { AgentHost } from '../../src/agents/types';
import { ToolSpec } from '../../src/schemas/tools';

/** Helpers of the agent tool tests (test/integration/agent-tools*.test.ts). */

/** A host whose fetch counts the requests it sends. */
export function countingHost(): AgentHost & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    fetch: (input, init) => {
      requests.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    },
    secret: async () => undefined,
  };
}

export const toolEnv = (host: AgentHost = countingHost(), extra: Partial<ToolEnv> = {}): ToolEnv => ({
  host,
  signal: new AbortController().signal,
  ...extra,
});
export const specs = (...raw: unknown[]) => raw.map((s) => ToolSpec.parse(s));
export const ctx = (host: AgentHost = countingHost(), timeoutMs?: number) => ({
  host,
  signal: new AbortController().signal,
  idempotencyKey: `run-1:ask:1:2:call-${Math.random().toString(36).slice(2)}`,
  timeoutMs,
});

export async function resolved(...raw: unknown[]): Promise<ResolvedTool[]> {
  const result = await resolveTools(specs(...raw), toolEnv());
  if (!result.ok) throw new Error(`resolveTools: ${result.error.message}`);
  return result.tools;
}
export const named = (tools: ResolvedTool[], name: string) => {
  const tool = tools.find((t) => t.model.name === name);
  if (!tool) throw new Error(`no tool ${name} among ${tools.map((t) => t.model.name).join(', ')}`);
  return tool;
};
