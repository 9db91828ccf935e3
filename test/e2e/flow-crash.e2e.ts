// kill -9 of the whole local runtime (wrangler and workerd) while runs of a workflow with
// `concurrency: { limit: 2, key: "{{ inputs.customer }}" }` hold and wait for slots, then a restart
// on the same state: the limit still holds (the FlowGate's holders and waiting list are in its
// storage), and every run completes.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../scripts/dev-server.mjs';
import { callApi } from './api';

const TOKEN = 'flow-crash-token';
const STEPS = ['one', 'two', 'three'];
type Server_ = Awaited<ReturnType<typeof startDevServer>>;

/** Calls open at the agent now and at most, by customer. */
const open = new Map<string, number>();
const maxOpen = new Map<string, number>();
let agent: Server;
let agentUrl: string;
let server: Server_ | undefined;

const call = <T>(base: string, path: string, init: RequestInit = {}) => callApi<T>(base, TOKEN, path, init);

beforeAll(async () => {
  agent = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { input } = JSON.parse(body) as { input: string };
      const customer = input.split(':')[0]!;
      open.set(customer, (open.get(customer) ?? 0) + 1);
      maxOpen.set(customer, Math.max(maxOpen.get(customer) ?? 0, open.get(customer)!));
      let closed = false;
      const close = () => {
        if (!closed) open.set(customer, open.get(customer)! - 1);
        closed = true;
      };
      res.on('close', close);
      setTimeout(() => {
        close();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ output: input }));
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

describe('kill -9 with runs holding and waiting for concurrency slots', () => {
  it('customer a never has more than 2 calls open, before or after the restart; all 8 runs complete', async () => {
    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN } });
    const first = server;
    await call(first.url, '/agents/slow-flow', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'http', config: { url: `${agentUrl}/agents/slow` } }),
    });
    const yaml = [
      'name: flow-crash',
      'inputs: { customer: { type: string }, n: { type: number } }',
      'concurrency: { limit: 2, key: "{{ inputs.customer }}" }',
      'steps:',
      ...STEPS.map((id) => `  - { id: ${id}, agent: slow-flow, input: "{{ inputs.customer }}:{{ inputs.n }}:${id}" }`),
    ].join('\n');
    await call(first.url, '/workflows/flow-crash', {
      method: 'PUT',
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    const inputs = [
      ...Array.from({ length: 6 }, (_, n) => ({ customer: 'a', n })),
      { customer: 'b', n: 0 },
      { customer: 'b', n: 1 },
    ];
    const runIds: string[] = [];
    for (const input of inputs)
      runIds.push(
        (
          await call<{ runId: string }>(first.url, '/workflows/flow-crash/runs', {
            method: 'POST',
            body: JSON.stringify({ input }),
          })
        ).runId,
      );
    // Mid-flight: two runs of a hold the slots, four wait.
    await new Promise((r) => setTimeout(r, 500));
    await first.kill();
    expect(maxOpen.get('a')).toBeLessThanOrEqual(2);

    server = await startDevServer({ vars: { ADMIN_TOKEN: TOKEN }, persist: first.persist });
    const restarted = Date.now();
    const pending = new Set(runIds);
    while (pending.size && Date.now() - restarted < 60_000) {
      for (const id of [...pending]) {
        const run = await call<{ status: string }>(server.url, `/runs/${id}?steps=false`);
        if (run.status === 'completed') pending.delete(id);
        else expect(['queued', 'running']).toContain(run.status);
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 250));
    }
    expect([...pending]).toEqual([]);
    expect(maxOpen.get('a')).toBe(2);
    expect(maxOpen.get('b')).toBeLessThanOrEqual(2);
  }, 180_000);
});
