import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ModelTool } from '../../src/agents/model/types';
import { boundToolOutput, callTool, MAX_TOOL_OUTPUT, type ResolvedTool, resolveTools } from '../../src/agents/tools';
import type { AgentHost } from '../../src/agents/types';
import { countingHost, ctx, named, resolved, specs, toolEnv } from '../support/tools';

/**
 * Agent tools against real servers: the MCP reference server (server-everything, TEST_EVERYTHING_URL),
 * the stateful test MCP server (TEST_AGENT_URL/mcp/<name>); http tools in agent-tools-http.test.ts.
 */

describe('mcp tools (server-everything)', () => {
  it('lists the server tools with their schemas, and calls echo and get-sum', async () => {
    const tools = await resolved({ mcp: { server: env.TEST_EVERYTHING_URL } });
    const names = tools.map((t) => t.model.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    const echo = named(tools, 'echo');
    expect(echo.loop).toEqual({ kind: 'mcp' });
    expect(echo.mcpName).toBe('echo');
    expect(echo.model.description).toBe('Echoes back the input string');
    expect(echo.model.parameters).toMatchObject({ type: 'object', properties: { message: { type: 'string' } } });
    expect(await callTool(echo, { message: 'hello tools' }, ctx())).toEqual({ ok: true, output: 'Echo: hello tools' });
    expect(await callTool(named(tools, 'get-sum'), { a: 2, b: 3 }, ctx())).toEqual({
      ok: true,
      output: 'The sum of 2 and 3 is 5.',
    });
  });

  it('a long-running operation (2 s, answered over SSE) completes', async () => {
    const tools = await resolved({
      mcp: { server: env.TEST_EVERYTHING_URL, allow: ['trigger-long-running-operation'] },
    });
    const outcome = await callTool(tools[0] as ResolvedTool, { duration: 2, steps: 2 }, ctx(countingHost(), 10_000));
    expect(outcome).toEqual({ ok: true, output: 'Long running operation completed. Duration: 2 seconds, Steps: 2.' });
  });

  it('keeps only the allowed tools, and names an allowed tool the server does not list', async () => {
    const tools = await resolved({ mcp: { server: env.TEST_EVERYTHING_URL, allow: ['get-sum', 'echo'] } });
    expect(tools.map((t) => t.model.name)).toEqual(['get-sum', 'echo']);
    const missing = await resolveTools(
      specs({ mcp: { server: env.TEST_EVERYTHING_URL, allow: ['echo', 'launch-rockets'] } }),
      toolEnv(),
    );
    expect(missing).toMatchObject({ ok: false, error: { code: 'agent_error', retryable: false } });
    expect(!missing.ok && missing.error.message).toMatch(/tools\[0\]\.mcp\.allow: .*'launch-rockets'/);
    expect(!missing.ok && missing.error.message).not.toMatch(/'echo'/);
  });

  it('lists a server once per cache: the second resolve sends nothing', async () => {
    const cache = new Map<string, ModelTool[]>();
    const host = countingHost();
    const spec = specs({ mcp: { server: env.TEST_EVERYTHING_URL, allow: ['echo'] } });
    expect((await resolveTools(spec, toolEnv(host, { cache }))).ok).toBe(true);
    const sent = host.requests.length;
    expect(sent).toBeGreaterThan(0);
    const again = await resolveTools(spec, toolEnv(host, { cache }));
    expect(again.ok && again.tools.map((t) => t.model.name)).toEqual(['echo']);
    expect(host.requests.length).toBe(sent);
    // Other headers are another key: listed again.
    const withHeaders = specs({ mcp: { server: env.TEST_EVERYTHING_URL, headers: { 'x-team': 'a' } } });
    expect((await resolveTools(withHeaders, toolEnv(host, { cache }))).ok).toBe(true);
    expect(host.requests.length).toBeGreaterThan(sent);
    expect([...cache.keys()].join()).not.toContain('x-team');
  });

  it('a server that cannot be reached fails the listing, retryable', async () => {
    const result = await resolveTools(specs({ mcp: { server: 'http://127.0.0.1:9/mcp' } }), toolEnv());
    expect(result).toMatchObject({ ok: false, error: { code: 'network_error', retryable: true } });
  });

  it('arguments that are not an object are a tool_error the model reads, and nothing is sent', async () => {
    const echo = named(await resolved({ mcp: { server: env.TEST_EVERYTHING_URL, allow: ['echo'] } }), 'echo');
    const host = countingHost();
    expect(await callTool(echo, 'not json', ctx(host))).toMatchObject({
      ok: false,
      error: { code: 'tool_error', retryable: false },
    });
    expect(host.requests).toEqual([]);
  });
});

describe('mcp tools (test server)', () => {
  it('a tool result with isError is a tool_error, not retryable', async () => {
    const fail = named(await resolved({ mcp: { server: `${env.TEST_AGENT_URL}/mcp/tools-fail` } }), 'fail');
    const outcome = await callTool(fail, {}, ctx());
    expect(outcome).toMatchObject({ ok: false, error: { code: 'tool_error', retryable: false } });
    expect(!outcome.ok && outcome.error.message).toBe('fail: disk full');
  });

  it('an answer past 8 MiB ends the listing with a tool_error, and the session is still ended', async () => {
    // A stand-in for a hostile server: the real answers of tools/list, padded with 9 MiB of blanks (still JSON).
    const host = countingHost();
    const padding: AgentHost = {
      ...host,
      fetch: async (input, init) => {
        const response = await host.fetch(input, init);
        if (!String(init?.body ?? '').includes('tools/list')) return response;
        const { status, headers } = response;
        return new Response((await response.text()) + ' '.repeat(9 * 1024 * 1024), { status, headers });
      },
    };
    const result = await resolveTools(
      specs({ mcp: { server: `${env.TEST_AGENT_URL}/mcp/tools-big` } }),
      toolEnv(padding),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'tool_error', retryable: false } });
    expect(!result.ok && result.error.message).toContain('answered more than 8388608 bytes');
    const stats = await (await fetch(`${env.TEST_AGENT_URL}/mcp-stats/tools-big`)).json();
    expect(stats).toEqual({ sessions: 1, deletes: 1, calls: {} });
  });
  // A call longer than 60 s: through a whole loop in agent-loop.test.ts.
});

describe('resolving', () => {
  it('two tools of one name fail, naming both', async () => {
    const result = await resolveTools(
      specs(
        { mcp: { server: env.TEST_EVERYTHING_URL, allow: ['echo'] } },
        { http: { name: 'echo', description: 'Echo over HTTP', url: `${env.TEST_AGENT_URL}/data/orders` } },
      ),
      toolEnv(),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'agent_error', retryable: false } });
    expect(!result.ok && result.error.message).toBe(
      `two tools are named 'echo': tools[0] (mcp ${env.TEST_EVERYTHING_URL}) and tools[1] (http)`,
    );
  });

  it('agent, workflow and http tools, with approvals on the loop', async () => {
    const approval = { assignees: ['ops@example.com'], message: 'Run {{ tool }}?' };
    const result = await resolveTools(
      specs(
        { agent: 'researcher', needs_approval: approval },
        { agent: 'writer' },
        { agent: 'critic', description: 'Finds the weak spots' },
        { workflow: 'send-report', version: 3 },
        { http: { name: 'orders', description: 'Lists orders', url: `${env.TEST_AGENT_URL}/data/orders` } },
      ),
      toolEnv(countingHost(), {
        describeAgent: async (name) => {
          if (name === 'writer') throw new Error('D1 is down');
          return name === 'researcher' ? 'Digs up sources' : null;
        },
      }),
    );
    if (!result.ok) throw new Error(result.error.message);
    const [researcher, writer, critic, workflow, orders] = result.tools;
    expect(researcher?.model).toEqual({
      name: 'researcher',
      description: 'Digs up sources',
      parameters: {
        type: 'object',
        properties: { input: { type: 'string', description: expect.any(String) } },
        required: ['input'],
      },
    });
    expect(researcher?.loop).toEqual({ kind: 'agent', target: 'researcher', approval });
    expect(writer?.model.description).toBe('Delegate to agent writer');
    expect(critic?.model.description).toBe('Finds the weak spots');
    expect(workflow?.model).toMatchObject({ name: 'send-report', parameters: { type: 'object' } });
    expect(workflow?.loop).toEqual({ kind: 'workflow', target: 'send-report', version: 3 });
    expect(orders?.model).toEqual({
      name: 'orders',
      description: 'Lists orders',
      parameters: { type: 'object', properties: {} },
    });
    expect(orders?.loop).toEqual({ kind: 'http' });
    expect(await callTool(researcher as ResolvedTool, { input: 'x' }, ctx())).toMatchObject({
      ok: false,
      error: { code: 'internal_error' },
    });
  });
});

describe('boundToolOutput', () => {
  it('cuts long text and long JSON with a note, and keeps small values', () => {
    const long = 'x'.repeat(MAX_TOOL_OUTPUT + 500);
    expect(boundToolOutput(long)).toBe(`${'x'.repeat(MAX_TOOL_OUTPUT)}\n[… cut at ${MAX_TOOL_OUTPUT} characters]`);
    const big = { rows: Array.from({ length: 4000 }, (_, i) => ({ i })) };
    const cut = boundToolOutput(big) as string;
    expect(typeof cut).toBe('string');
    expect(cut.endsWith(`[… cut at ${MAX_TOOL_OUTPUT} characters]`)).toBe(true);
    expect(boundToolOutput({ a: 1 })).toEqual({ a: 1 });
    expect(boundToolOutput(undefined)).toBeNull();
  });
});
