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

/** Instances created together by {@link cfMany}, ms: as the bench starts Baton's runs (50 API calls at once). */
const CREATE_CHUNK = 50;
/** Pause between status rounds of {@link cfMany}, ms: each round asks each unfinished instance once. */
const POLL_ROUND_MS = 1_000;

/**
 * `runs` instances of the chain created at once (in chunks of {@link CREATE_CHUNK}), each timed by
 * its own output (`endedAt`). Status is asked once per unfinished instance per round, one at a
 * time, so the polling barely loads the engine measured.
 * @returns lost instances (errored, or unfinished at `deadlineMs`), and per completed one its
 * latency (ms from its create being sent to its end) and its end (ms after the first create).
 */
async function cfMany(env: BenchEnv, runs: number, steps: number, agentUrl: string, deadlineMs: number) {
  const t0 = Date.now();
  const instances: { instance: WorkflowInstance; sent: number }[] = [];
  for (let i = 0; i < runs; i += CREATE_CHUNK) {
    const sent = Date.now();
    const chunk = Array.from({ length: Math.min(CREATE_CHUNK, runs - i) }, () =>
      env.BENCH_FLOW.create({ params: { steps, agentUrl } }),
    );
    for (const instance of await Promise.all(chunk)) instances.push({ instance, sent });
  }
  const latencies: number[] = [];
  const ends: number[] = [];
  let errored = 0;
  let open = instances;
  while (open.length && Date.now() - t0 < deadlineMs) {
    await new Promise((r) => setTimeout(r, POLL_ROUND_MS));
    const still: typeof open = [];
    for (const one of open) {
      const status = await one.instance.status();
      if (status.status === 'complete') {
        const { endedAt } = status.output as { endedAt: number };
        latencies.push(endedAt - one.sent);
        ends.push(endedAt - t0);
      } else if (status.status === 'errored' || status.status === 'terminated') errored++;
      else still.push(one);
    }
    open = still;
  }
  return { lost: errored + open.length, latencies, ends };
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
    if (url.pathname === '/bench/cf-many') {
      const runs = Math.min(Number(url.searchParams.get('runs') ?? 100), 5_000);
      return Response.json(
        await cfMany(env, runs, steps, agentUrl, Number(url.searchParams.get('deadline') ?? 600_000)),
      );
    }
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
