import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { putWorkflow, startRun, waitForRun } from '../support/helpers';

/**
 * MCP steps against the stateful test server (test/node/mcp-server.ts), each on its own endpoint
 * `/mcp/<name>` so the counts of GET /mcp-stats/<name> are this test's alone. Its own file: the
 * 70 s call runs beside the other files.
 */
const statsOf = async (name: string) => (await fetch(`${env.TEST_AGENT_URL}/mcp-stats/${name}`)).json();
const mcpWorkflow = (name: string, step: string) =>
  putWorkflow(name, `name: ${name}\nsteps:\n  - id: call\n${step.replace(/^/gm, '    ')}`);

describe('mcp steps: timeouts and sessions', () => {
  it('a 70 s tool with timeout: 3m succeeds, called exactly once, and its session is terminated', async () => {
    await mcpWorkflow(
      'mcp-long',
      `timeout: 3m\nmcp: { server: "${env.TEST_AGENT_URL}/mcp/long", tool: sleep, arguments: { ms: 70000 } }`,
    );
    const run = await waitForRun(await startRun('mcp-long'), 150_000);
    expect(run.steps.find((s) => s.id === 'call')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: 'slept 70000 ms',
    });
    expect(run.status).toBe('completed');
    expect(await statsOf('long')).toEqual({ sessions: 1, deletes: 1, calls: { sleep: 1 } });
  }, 180_000);

  it('a tool past its step timeout fails with code timeout, and each attempt ends its session', async () => {
    await mcpWorkflow(
      'mcp-cut',
      `timeout: 2s\nretry: { max_attempts: 2, initial_interval: 100ms, backoff: none }\nmcp: { server: "${env.TEST_AGENT_URL}/mcp/cut", tool: sleep, arguments: { ms: 6000 } }`,
    );
    const run = await waitForRun(await startRun('mcp-cut'), 20_000);
    expect(run.steps.find((s) => s.id === 'call')).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'timeout' },
    });
    await expect
      .poll(() => statsOf('cut'), { timeout: 5_000 })
      .toEqual({ sessions: 2, deletes: 2, calls: { sleep: 2 } });
  }, 30_000);

  it('a tool error fails the step, and the session is still terminated', async () => {
    await mcpWorkflow('mcp-fail', `mcp: { server: "${env.TEST_AGENT_URL}/mcp/fail", tool: fail }`);
    const run = await waitForRun(await startRun('mcp-fail'));
    expect(run.steps.find((s) => s.id === 'call')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'tool_error' },
    });
    expect(await statsOf('fail')).toEqual({ sessions: 1, deletes: 1, calls: { fail: 1 } });
  });
});
