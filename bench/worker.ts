// Bench-only Worker: Baton as deployed, plus a Cloudflare Workflow running the same chain of agent
// calls (`step.do` per step) and a plain in-process loop, so all three are measured in one workerd.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from 'cloudflare:workers';
import baton from '../src/index';
import type { AppEnv, StepMessage } from '../src/adapter/cloudflare/env';

export { AgentCircuit, AgentSlots, AttemptExecutor, FlowGate, RunObject, TriggerBuffer } from '../src/index';

interface ChainParams {
  steps: number;
  agentUrl: string;
}

type BenchEnv = AppEnv & { BENCH_FLOW: Workflow<ChainParams> };

async function callAgent(url: string, input: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input }),
  });
  return ((await res.json()) as { output: unknown }).output;
}

/** The sequential chain as a Cloudflare Workflow: one `step.do` per agent call. */
export class BenchChain extends WorkflowEntrypoint<BenchEnv, ChainParams> {
  override async run(event: WorkflowEvent<ChainParams>, step: WorkflowStep) {
    let value: unknown = 'start';
    for (let i = 0; i < event.payload.steps; i++) {
      value = await step.do(`s${i}`, async () => (await callAgent(event.payload.agentUrl, value)) as string);
    }
    // Timed by the Workflow itself, so the bench's status polling adds nothing to the figure.
    return { value: value as string, endedAt: Date.now() };
  }
}

async function cfChain(env: BenchEnv, steps: number, agentUrl: string): Promise<Response> {
  const started = Date.now();
  const instance = await env.BENCH_FLOW.create({ params: { steps, agentUrl } });
  for (;;) {
    const status = await instance.status();
    if (status.status === 'complete') {
      return Response.json({ status: status.status, ms: (status.output as { endedAt: number }).endedAt - started });
    }
    if (status.status === 'errored') return Response.json({ status: status.status, error: status.error });
    // Polling every few ms starves the local Workflows engine (50 steps took 16 s at 2 ms, 0.6 s at 100 ms).
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Most instances one `/bench/cf-create` call creates, and most one `/bench/cf-status` call asks for. */
const MAX_PER_CALL = 100;

/**
 * Creates `n` instances of the chain at once (`/bench/cf-create`); the bench (bench/concurrent.mjs)
 * drives the rest from Node in short requests, as it does Baton's runs: no request stays open for
 * the whole scenario (one that did lost its connection to the local Workflows engine).
 * @returns each instance's id and when its create was sent (epoch ms).
 */
async function cfCreate(env: BenchEnv, n: number, steps: number, agentUrl: string) {
  const sent = Date.now();
  const made = await Promise.all(
    Array.from({ length: Math.min(n, MAX_PER_CALL) }, () => env.BENCH_FLOW.create({ params: { steps, agentUrl } })),
  );
  return made.map((instance) => ({ id: instance.id, sent }));
}

/**
 * The status of instances (`/bench/cf-status?ids=a,b`), asked one at a time so the polling barely
 * loads the engine measured. @returns per id its status and, once complete, its own `endedAt` (epoch ms).
 */
async function cfStatus(env: BenchEnv, ids: string[]) {
  const out: { id: string; status: string; endedAt?: number }[] = [];
  for (const id of ids.slice(0, MAX_PER_CALL)) {
    const status = await (await env.BENCH_FLOW.get(id)).status();
    out.push({
      id,
      status: status.status,
      ...(status.status === 'complete' ? { endedAt: (status.output as { endedAt: number }).endedAt } : {}),
    });
  }
  return out;
}

async function inProcess(steps: number, agentUrl: string): Promise<Response> {
  const started = Date.now();
  let value: unknown = 'start';
  for (let i = 0; i < steps; i++) value = await callAgent(agentUrl, value);
  return Response.json({ status: 'complete', ms: Date.now() - started });
}

export default {
  ...baton,
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext) {
    const url = new URL(request.url);
    const steps = Number(url.searchParams.get('steps') ?? 10);
    const agentUrl = url.searchParams.get('agent') ?? '';
    if (url.pathname === '/bench/cf') return cfChain(env, steps, agentUrl);
    if (url.pathname === '/bench/cf-create')
      return Response.json(await cfCreate(env, Number(url.searchParams.get('n') ?? 1), steps, agentUrl));
    if (url.pathname === '/bench/cf-status')
      return Response.json(await cfStatus(env, (url.searchParams.get('ids') ?? '').split(',').filter(Boolean)));
    if (url.pathname === '/bench/inprocess') return inProcess(steps, agentUrl);
    // The floor of a fan-out on this machine: N agent calls at once from one invocation.
    if (url.pathname === '/bench/parallel') {
      const t = Date.now();
      const ends = await Promise.all(
        Array.from({ length: steps }, async () => {
          await callAgent(agentUrl, 1);
          return Date.now() - t;
        }),
      );
      return Response.json({ first: Math.min(...ends), last: Math.max(...ends) });
    }
    return baton.fetch!(request as never, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv, StepMessage>;
