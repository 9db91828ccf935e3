// kill -9 of the whole local runtime while an agent loop's 3 s tool call is in flight, then a
// restart on the same state: the run completes; no finished unit (model turn or tool call) is made
// again, and the unfinished tool call is made again under its own idempotency key.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../scripts/dev-server.mjs';
import { startAgentServer } from '../node/agent-server';
import { callApi } from './api';

const TOKEN = 'loop-crash-token';
type Dev = Awaited<ReturnType<typeof startDevServer>>;
type Received = { url: string; headers: { 'idempotency-key'?: string } };

let agents: Server;
let base: string;
let server: Dev | undefined;
const call = <T>(url: string, path: string, init: RequestInit = {}) => callApi<T>(url, TOKEN, path, init);
const received = async () =>
  ((await (await fetch(`${base}/received`)).json()) as Received[]).filter((r) => r.url.startsWith('/agents/'));
const modelLog = async () =>
  (await (await fetch(`${base}/model/log/crash-loop`)).json()) as { idempotencyKey?: string }[];

beforeAll(async () => {
  agents = await startAgentServer(0);
  base = `http://127.0.0.1:${(agents.address() as { port: number }).port}`;
  const turns = [
    { tool_calls: [{ name: 'slow_tool', arguments: { what: 'a' } }] },
    { tool_calls: [{ name: 'fast_tool', arguments: { what: 'b' } }] },
    { content: 'done after the crash' },
  ];
  await fetch(`${base}/model/scripts/crash-loop`, { method: 'PUT', body: JSON.stringify({ turns }) });
});

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => agents.close(r));
});

const tool = (name: string, path: string) => ({
  http: { name, description: name, method: 'POST', url: `${base}${path}`, body: { input: '{{ args.what }}' } },
});

describe('kill -9 while a tool call is in flight', () => {
  it('the run completes; each finished unit reached its server once', async () => {
    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN } });
    const first = server;
    await call(first.url, '/agents/crashy', {
      method: 'PUT',
      body: JSON.stringify({
        provider: 'openai',
        config: { baseUrl: `${base}/model/openai/v1`, model: 'crash-loop' },
        tools: [tool('slow_tool', '/agents/slow/3000'), tool('fast_tool', '/agents/tag/fast')],
      }),
    });
    await call(first.url, '/workflows/crash-loop', {
      method: 'PUT',
      body: 'name: crash-loop\nsteps: [ { id: work, agent: crashy, input: go, timeout: 2m } ]',
      headers: { 'content-type': 'application/yaml' },
    });
    const { runId } = await call<{ runId: string }>(first.url, '/workflows/crash-loop/runs', {
      method: 'POST',
      body: '{}',
    });
    for (let i = 0; i < 200 && !(await received()).some((r) => r.url === '/agents/slow/3000'); i++)
      await new Promise((r) => setTimeout(r, 50));
    await first.kill(); // the slow tool call answers only 3 s after it was made
    const atKill = await received();
    expect(atKill.map((r) => r.url)).toEqual(['/agents/slow/3000']);
    expect(await modelLog()).toHaveLength(1);

    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN }, persist: first.persist });
    let run:
      | { status: string; output: unknown; steps: { turns?: { toolCalls: { status: string }[] }[] }[] }
      | undefined;
    for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 250))) {
      run = await call(server.url, `/runs/${runId}`);
      if (run.status === 'completed' || run.status === 'failed') break;
    }
    expect(run).toMatchObject({ status: 'completed', output: 'done after the crash' });
    expect(run!.steps[0]!.turns!.flatMap((t) => t.toolCalls.map((c) => c.status))).toEqual(['succeeded', 'succeeded']);

    const models = (await modelLog()).map((m) => m.idempotencyKey);
    expect(models).toEqual([`${runId}:work:1:1:model`, `${runId}:work:1:2:model`, `${runId}:work:1:3:model`]);
    const tools = await received();
    const slow = tools.filter((r) => r.url === '/agents/slow/3000');
    const fast = tools.filter((r) => r.url === '/agents/tag/fast');
    // The slow call died with the runtime and was made again, under the same key; the fast one once.
    expect(new Set(slow.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${runId}:work:1:1:call_1_0`]));
    expect(slow.length).toBeLessThanOrEqual(2);
    expect(fast.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}:work:1:2:call_2_0`]);
  }, 180_000);
});
