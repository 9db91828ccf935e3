// Bench-only Worker: Baton as deployed, plus a Cloudflare Workflow running the same chain of agent
// calls (`step.do` per step) and a plain in-process loop, so all three are measured in one workerd.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from 'cloudflare:workers';
import baton from '../src/index';
import type { AppEnv, StepMessage } from '../src/env';

export { AgentCircuit, RunObject } from '../src/index';

interface ChainParams {
  steps: number;
  agentUrl: string;
}

type BenchEnv = AppEnv & { BENCH_FLOW: Workflow<ChainParams> };

async function callAgent(url: string, input: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
  return ((await res.json()) as { output: unknown }).output;
}

/** The sequential chain as a Cloudflare Workflow: one `step.do` per agent call. */
export class BenchChain extends WorkflowEntrypoint<BenchEnv, ChainParams> {
  override async run(event: WorkflowEvent<ChainParams>, step: WorkflowStep) {
    let value: unknown = 'start';
    for (let i = 0; i < event.payload.steps; i++) {
      value = await step.do(`s${i}`, async () => (await callAgent(event.payload.agentUrl, value)) as string);
    }
    return value as string;
  }
}

async function cfChain(env: BenchEnv, steps: number, agentUrl: string): Promise<Response> {
  const started = Date.now();
  const instance = await env.BENCH_FLOW.create({ params: { steps, agentUrl } });
  for (;;) {
    const status = await instance.status();
    if (status.status === 'complete' || status.status === 'errored') {
      return Response.json({ status: status.status, ms: Date.now() - started });
    }
    await new Promise((r) => setTimeout(r, 2));
  }
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
    if (url.pathname === '/bench/inprocess') return inProcess(steps, agentUrl);
    return baton.fetch!(request as never, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv, StepMessage>;
