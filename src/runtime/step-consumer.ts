import type { AgentHost } from '../agents';
import { secretOf, type AppEnv, type StepMessage } from '../env';
import { executeAttempt, reportOf } from './execute-attempt';
import { ReportBatcher } from './report-batcher';
import type { Claim, Report } from './run-object';

/** How long one consumer invocation keeps taking handed-back steps of a run before leaving them to the Queue, ms. */
export const HAND_BACK_BUDGET_MS = 60_000;

/** Reports that fail to reach the RunObject are tried this many times before the step's timeout takes over. */
const REPORT_TRIES = 3;

type RunStub = ReturnType<AppEnv['RUNS']['get']>;

/** Reports outcomes in one call, retrying a lost connection to the RunObject a few times. */
async function reportMany(stub: RunStub, items: { report: Report; wantsNext: boolean }[]): Promise<(Claim | null)[]> {
  for (let tries = 1; ; tries++) {
    try {
      // RPC types cannot express `unknown` payloads; the shape is the RunObject's own Claim.
      return (await stub.reportMany(items)) as (Claim | null)[];
    } catch (err) {
      if (tries >= REPORT_TRIES) throw err;
      await new Promise((r) => setTimeout(r, 50 * tries));
    }
  }
}

/**
 * Executes a claimed attempt and reports its outcome, then goes on with the step the RunObject
 * hands back (the next one of a chain) until none is handed back or the budget is spent. It never
 * decides what happens next. Every call carries the idempotency key `${runId}:${stepId}:${attempt}`.
 * @throws when the RunObject cannot be reached; an attempt then left unreported is retried by its
 * timeout timer.
 */
async function runClaimed(env: AppEnv, stub: RunStub, reports: ReportBatcher, runId: string, first: Claim, background: (p: Promise<unknown>) => void): Promise<void> {
  const host: AgentHost = { fetch: (input, init) => fetch(input, init), secret: (name) => secretOf(env, first.tenantId, name) };
  reports.started();
  const { result, provider } = await executeAttempt(env, runId, first, host, background);
  const next = await reports.report({ report: reportOf(first, result, provider), wantsNext: true });
  if (next) await stub.runChain(next, HAND_BACK_BUDGET_MS);
}

/** Claims and executes one run's attempts of a batch; acks each message once its attempt is reported. */
async function runAttempts(env: AppEnv, runId: string, messages: readonly Message<StepMessage>[], background: (p: Promise<unknown>) => void): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  let claims: (Claim | null)[];
  try {
    claims = (await stub.claimMany(messages.map((m) => ({ stepId: m.body.stepId, attempt: m.body.attempt })))) as (Claim | null)[];
  } catch (err) {
    for (const msg of messages) retryLater(msg, err);
    return;
  }
  const reports = new ReportBatcher((items) => reportMany(stub, items));
  await Promise.all(messages.map(async (msg, i) => {
    try {
      const claim = claims[i];
      if (claim) await runClaimed(env, stub, reports, runId, claim, background);
      msg.ack();
    } catch (err) {
      retryLater(msg, err);
    }
  }));
}

function retryLater(msg: Message<StepMessage>, err: unknown): void {
  console.error(`step ${msg.body.runId}/${msg.body.stepId}#${msg.body.attempt}: delivery ${msg.attempts} failed`, err);
  msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
}

/**
 * Queue handler for `steps`: claims each run's attempts of the batch in one call (a 100-way
 * fan-out starts at once), runs them concurrently, acks each one done, and retries the ones whose
 * RunObject could not be reached.
 */
export async function consumeSteps(batch: MessageBatch<StepMessage>, env: AppEnv, ctx: ExecutionContext): Promise<void> {
  const byRun = new Map<string, Message<StepMessage>[]>();
  for (const m of batch.messages) byRun.set(m.body.runId, [...(byRun.get(m.body.runId) ?? []), m]);
  const background = (p: Promise<unknown>) => ctx.waitUntil(p);
  await Promise.all([...byRun].map(([runId, messages]) => runAttempts(env, runId, messages, background)));
}

/**
 * Queue handler for `steps-dlq`: an attempt whose RunObject stayed unreachable. Nothing is lost:
 * the attempt's timeout timer in the RunObject retries or fails the step; this logs the trail.
 */
export async function consumeDeadLetters(batch: MessageBatch<StepMessage>): Promise<void> {
  for (const msg of batch.messages) {
    console.warn(`dead-lettered step ${msg.body.runId}/${msg.body.stepId}#${msg.body.attempt}; its timeout will retry or fail it`);
    msg.ack();
  }
}
