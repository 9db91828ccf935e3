// `npm start` seeds the demo on every start (POST /api/demo). A user who pointed the demo agent
// `research` at their own service keeps it across a kill -9 and a restart, and a run that was
// calling it when the runtime died calls that same agent again, not a re-seeded builtin.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../scripts/dev-server.mjs';
import { callApi } from './api';

const TOKEN = 'seed-token';
// Deterministic whatever .dev.vars says: the demo's offline builtin agents.
const VARS = { ADMIN_TOKEN: TOKEN, OPENAI_BASE_URL: '', OPENAI_MODEL: '', OPENAI_API_KEY: '' };
type Server_ = Awaited<ReturnType<typeof startDevServer>>;
type Agent = { provider: string; config: Record<string, unknown>; updatedAt: string };

/** Calls of the user's own research agent; the first is left unanswered (in flight at the kill). */
const calls: { runId: string; stepId: string }[] = [];
let agent: Server;
let agentUrl: string;
let server: Server_ | undefined;

const call = <T>(base: string, path: string, init: RequestInit = {}) => callApi<T>(base, TOKEN, path, init);

/** What `npm start` does once the server answers (scripts/start.mjs `seed()`). */
const seed = (base: string) =>
  call<{ agents: Record<string, string>; workflow: { outcome: string; version?: number } }>(base, '/demo', {
    method: 'POST',
  });

beforeAll(async () => {
  agent = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { runId, stepId, input } = JSON.parse(body) as { runId: string; stepId: string; input: unknown };
      calls.push({ runId, stepId });
      if (calls.length === 1) return; // hangs until the runtime is killed
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ output: `MY RESEARCH on ${String(input)}` }));
    });
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
  agentUrl = `http://127.0.0.1:${(agent.address() as { port: number }).port}`;
});

afterAll(async () => {
  await server?.stop();
  agent.closeAllConnections();
  await new Promise((r) => agent.close(r));
});

describe("npm start keeps the user's data (issue 14, item 6)", () => {
  it('seeds on first start; after the user changes research, a kill -9 and a restart leave it unchanged, and the run in flight calls it', async () => {
    server = await startDevServer({ vars: VARS });
    const first = server;
    expect(await seed(first.url)).toEqual({
      agents: { research: 'created', summarize: 'created', draft: 'created', proofread: 'created' },
      workflow: { name: 'competitor-analysis', outcome: 'created', version: 1 },
    });
    expect(await call<Agent>(first.url, '/agents/research')).toMatchObject({
      provider: 'builtin',
      config: { tool: 'research' },
    });

    await call(first.url, '/agents/research', {
      method: 'PUT',
      body: JSON.stringify({
        provider: 'http',
        description: 'my own research',
        config: { url: `${agentUrl}/research` },
      }),
    });
    const mine = await call<Agent & { circuit?: unknown }>(first.url, '/agents/research');
    const { runId } = await call<{ runId: string }>(first.url, '/workflows/competitor-analysis/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { topic: 'CRM tools' } }),
    });
    for (let i = 0; i < 200 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual([{ runId, stepId: 'research' }]);
    await first.kill();

    server = await startDevServer({ vars: VARS, persist: first.persist });
    expect(await seed(server.url)).toEqual({
      agents: { research: 'kept', summarize: 'kept', draft: 'kept', proofread: 'kept' },
      workflow: { name: 'competitor-analysis', outcome: 'kept', version: 1 },
    });
    const after = await call<Agent & { circuit?: unknown }>(server.url, '/agents/research');
    // The stored record is the user's, unchanged; its health (circuit, attempts' stats) moves with the run.
    const record = ({ circuit: _c, stats: _s, ...rest }: Agent & { circuit?: unknown; stats?: unknown }) => rest;
    expect(record(after)).toEqual(record(mine));

    let run: { status: string; steps: { id: string; output: unknown }[] } | undefined;
    for (let i = 0; i < 120; i++) {
      run = await call(server.url, `/runs/${runId}`);
      if (!['queued', 'running'].includes(run!.status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(run?.status).toBe('completed');
    expect(run?.steps.find((s) => s.id === 'research')?.output).toBe('MY RESEARCH on CRM tools');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.runId === runId && c.stepId === 'research')).toBe(true);
  }, 180_000);
});
