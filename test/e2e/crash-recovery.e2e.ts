// kill -9 of the whole local runtime (wrangler and workerd) while 50 runs are in flight, then a
// restart on the same state: every run goes on within seconds, and no step attempt reaches its
// agent under a second idempotency key.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../scripts/dev-server.mjs';
import { callApi } from './api';

const TOKEN = 'crash-token';
const RUNS = 50;
const STEPS = ['one', 'two', 'three', 'four', 'five'];
type Server_ = Awaited<ReturnType<typeof startDevServer>>;

/** What the agent received: the idempotency key of each call, by run and step. */
const calls: { runId: string; stepId: string; key: string }[] = [];
let agent: Server;
let agentUrl: string;
let server: Server_ | undefined;

const call = <T>(base: string, path: string, init: RequestInit = {}) => callApi<T>(base, TOKEN, path, init);

beforeAll(async () => {
  agent = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { runId, stepId, input } = JSON.parse(body) as { runId: string; stepId: string; input: unknown };
      calls.push({ runId, stepId, key: String(req.headers['idempotency-key']) });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ output: `${input}+` }));
      }, 300);
    });
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
  agentUrl = `http://127.0.0.1:${(agent.address() as { port: number }).port}`;
});

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => agent.close(r));
});

describe('kill -9 with runs in flight', () => {
  it(`all ${RUNS} five-step runs complete within 30 s of the restart, each step attempt under one idempotency key`, async () => {
    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN } });
    const first = server;
    await call(first.url, '/agents/slow-300', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'http', config: { url: `${agentUrl}/agents/slow` } }),
    });
    const yaml = [
      'name: five-steps',
      'steps:',
      ...STEPS.map(
        (id, i) => `  - { id: ${id}, agent: slow-300, input: "${i === 0 ? 'x' : `{{ ${STEPS[i - 1]}.output }}`}" }`,
      ),
    ].join('\n');
    await call(first.url, '/workflows/five-steps', {
      method: 'PUT',
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    const runIds = await Promise.all(
      Array.from(
        { length: RUNS },
        async () =>
          (await call<{ runId: string }>(first.url, '/workflows/five-steps/runs', { method: 'POST', body: '{}' }))
            .runId,
      ),
    );
    // Mid-flight: every run has started, none can have finished (5 × 300 ms).
    for (let i = 0; i < 100 && new Set(calls.map((c) => c.runId)).size < RUNS; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 400));
    await first.kill();
    const before = calls.length;
    expect(before).toBeLessThan(RUNS * STEPS.length);

    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN }, persist: first.persist });
    const restarted = Date.now();
    const pending = new Set(runIds);
    while (pending.size && Date.now() - restarted < 30_000) {
      for (const id of [...pending]) {
        const run = await call<{ status: string }>(server.url, `/runs/${id}?steps=false`);
        if (run.status === 'completed') pending.delete(id);
        else expect(['queued', 'running']).toContain(run.status);
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 250));
    }
    expect([...pending]).toEqual([]);
    const keysOf = new Map<string, Set<string>>();
    for (const c of calls)
      keysOf.set(`${c.runId}:${c.stepId}`, (keysOf.get(`${c.runId}:${c.stepId}`) ?? new Set()).add(c.key));
    expect(keysOf.size).toBe(RUNS * STEPS.length);
    const twoKeys = [...keysOf].filter(([, keys]) => keys.size > 1);
    expect(twoKeys).toEqual([]);
  }, 180_000);
});
