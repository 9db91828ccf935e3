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
