// kill -9 of the whole local runtime while an agent loop's two parallel 3 s tool calls are in
// flight, then a restart on the same state: the run completes; no finished unit (model turn or tool
// call) is made again, and each unfinished tool call is made again under its own idempotency key.
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
    {
      tool_calls: [
        { name: 'slow_tool', arguments: { what: 'a' } },
        { name: 'slow_tool', arguments: { what: 'b' } },
      ],
    },
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
    const slowCalls = async () => (await received()).filter((r) => r.url === '/agents/slow/3000').length;
    for (let i = 0; i < 200 && (await slowCalls()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await first.kill(); // the slow tool calls answer only 3 s after they were made
    const atKill = await received();
    expect(atKill.map((r) => r.url)).toEqual(['/agents/slow/3000', '/agents/slow/3000']);
    expect(await modelLog()).toHaveLength(1);

    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN }, persist: first.persist });
    type Run = { status: string; output: unknown; steps: { turns?: { toolCalls: { status: string }[] }[] }[] };
    const url = server.url;
    let run: Run | undefined;
    for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 250))) {
      const now: Run = await call(url, `/runs/${runId}`);
      run = now;
      if (now.status === 'completed' || now.status === 'failed') break;
    }
    expect(run).toMatchObject({ status: 'completed', output: 'done after the crash' });
    expect(run!.steps[0]!.turns!.flatMap((t) => t.toolCalls.map((c) => c.status))).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);

    const models = (await modelLog()).map((m) => m.idempotencyKey);
    expect(models).toEqual([`${runId}:work:1:1:model`, `${runId}:work:1:2:model`, `${runId}:work:1:3:model`]);
    const tools = await received();
    const slow = tools.filter((r) => r.url === '/agents/slow/3000');
    const fast = tools.filter((r) => r.url === '/agents/tag/fast');
    // The slow calls died with the runtime and were made again, each under its own key; the fast one once.
    const keys = slow.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys)).toEqual(new Set([`${runId}:work:1:1:call_1_0`, `${runId}:work:1:1:call_1_1`]));
    expect(keys.filter((k) => k?.endsWith('call_1_0')).length).toBeLessThanOrEqual(2);
    expect(keys.filter((k) => k?.endsWith('call_1_1')).length).toBeLessThanOrEqual(2);
    expect(fast.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}:work:1:2:call_2_0`]);
  }, 180_000);
});
