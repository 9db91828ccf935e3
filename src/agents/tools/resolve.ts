import type { StepError } from '../../schemas/errors';
import type { ToolSpec } from '../../schemas/tools';
import type { ModelTool } from '../model/types';
import { boundDescription as bounded } from './bounds';
import { listMcpTools, type McpServerSpec, toolListKey } from './mcp-list';
import type { ResolvedTool, ToolEnv } from './types';

type Resolved = { ok: true; tools: ResolvedTool[] } | { ok: false; error: StepError };

/**
 * Resolves tool specs (an agent's and a step's `tools:`, src/schemas/tools.ts) into the tools the
 * model is offered and how the loop carries each out:
 * - `mcp`: every tool the server lists (`tools/list`, cached per run in `env.cache`), only the
 *   `allow` names when given (an allowed name it does not list is an `agent_error` naming it);
 * - `http`: name, description and parameters of the spec;
 * - `agent`: the agent's name, one string argument `input` (a child run);
 * - `workflow`: the workflow's name, the arguments object as the child run's input.
 * `needs_approval` becomes `loop.approval`. Never throws.
 * @returns the tools, or the first failure: a failed listing (retryable when its transport failed),
 * or two tools of one name (`agent_error` naming both).
 */
export async function resolveTools(specs: ToolSpec[], env: ToolEnv): Promise<Resolved> {
  const tools: ResolvedTool[] = [];
  const origin = new Map<string, string>();
  for (const [index, spec] of specs.entries()) {
    const where = `tools[${index}]`;
    const found = await resolveOne(spec, env, where);
    if (!found.ok) return found;
    for (const tool of found.tools) {
      const what = `${where} (${describeSpec(spec)})`;
      const other = origin.get(tool.model.name);
      if (other)
        return {
          ok: false,
          error: {
            code: 'agent_error',
            message: `two tools are named '${tool.model.name}': ${other} and ${what}`,
            retryable: false,
          },
        };
      origin.set(tool.model.name, what);
      tools.push(tool);
    }
  }
  return { ok: true, tools };
}

async function resolveOne(spec: ToolSpec, env: ToolEnv, where: string): Promise<Resolved> {
  const loop = (kind: ResolvedTool['loop']['kind'], target?: string, version?: number): ResolvedTool['loop'] => ({
    kind,
    ...(target !== undefined ? { target } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(spec.needs_approval ? { approval: spec.needs_approval } : {}),
  });
  if ('mcp' in spec) {
    const listed = await listCached(spec.mcp, env, where);
    if (!listed.ok) return listed;
    const chosen = chooseAllowed(listed.tools, spec.mcp, where);
    if (!chosen.ok) return chosen;
    return { ok: true, tools: chosen.tools.map((model) => ({ model, loop: loop('mcp'), spec, mcpName: model.name })) };
  }
  if ('http' in spec) {
    const { name, description, parameters } = spec.http;
    return {
      ok: true,
      tools: [{ model: { name, description: bounded(description), parameters }, loop: loop('http'), spec }],
    };
  }
  if ('agent' in spec) {
    const name = spec.agent;
    const described = spec.description ?? (await env.describeAgent?.(name)?.catch(() => null));
    const description = described ?? `Delegate to agent ${name}`;
    const parameters = {
      type: 'object',
      properties: { input: { type: 'string', description: `What to ask agent ${name}: the task and what it needs` } },
      required: ['input'],
    };
    return {
      ok: true,
      tools: [{ model: { name, description: bounded(description), parameters }, loop: loop('agent', name), spec }],
    };
  }
  const name = spec.workflow;
  const description = spec.description ?? `Run workflow ${name}; the arguments are its input`;
  return {
    ok: true,
    tools: [
      {
        model: { name, description: bounded(description), parameters: { type: 'object' } },
        loop: loop('workflow', name, spec.version),
        spec,
      },
    ],
  };
}

/** A server's tools from the run's cache, else listed (and cached when the listing succeeded). */
async function listCached(
  server: McpServerSpec,
  env: ToolEnv,
  where: string,
): Promise<{ ok: true; tools: ModelTool[] } | { ok: false; error: StepError }> {
  const key = env.cache ? await toolListKey(server.server, server.headers) : '';
  const cached = env.cache?.get(key);
  if (cached) return { ok: true, tools: cached };
  const listed = await listMcpTools(server, env, where);
  if (listed.ok && !listed.truncated) env.cache?.set(key, listed.tools);
  return listed;
}

/** The `allow`ed tools, in the order of `allow`; every allowed name must be listed. */
function chooseAllowed(
  tools: ModelTool[],
  server: McpServerSpec & { allow?: string[] },
  where: string,
): { ok: true; tools: ModelTool[] } | { ok: false; error: StepError } {
  if (!server.allow) return { ok: true, tools };
  const byName = new Map(tools.map((t) => [t.name, t]));
  const missing = server.allow.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    const names = missing.map((n) => `'${n.slice(0, 64)}'`).join(', ');
    const listed = tools.map((t) => t.name).join(', ');
    return {
      ok: false,
      error: {
        code: 'agent_error',
        message:
          `${where}.mcp.allow: the server ${server.server} lists no usable tool ${names} (it lists: ${listed || 'none'})`.slice(
            0,
            1000,
          ),
        retryable: false,
      },
    };
  }
  return { ok: true, tools: [...new Set(server.allow)].map((name) => byName.get(name) as ModelTool) };
}

function describeSpec(spec: ToolSpec): string {
  if ('mcp' in spec) return `mcp ${spec.mcp.server}`;
  if ('http' in spec) return 'http';
  if ('agent' in spec) return 'agent';
  return 'workflow';
}
