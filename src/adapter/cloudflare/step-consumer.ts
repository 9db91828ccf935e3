import type { AppEnv, StepMessage } from './env';
import { executeAttempt, hostFor } from './run/execute-attempt';
import { ReportBatcher } from './run/report-batcher';
import type { Claim, Report } from './run/run-object';

/** Reports that fail to reach the RunObject are tried this many times before the step's timeout takes over. */
const REPORT_TRIES = 3;

type RunStub = ReturnType<AppEnv['RUNS']['get']>;

/** Reports outcomes in one call, retrying a lost connection to the RunObject a few times. */
async function reportMany(stub: RunStub, reports: Report[]): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await stub.reportMany(reports);
    } catch (err) {
      if (tries >= REPORT_TRIES) throw err;
      await new Promise((r) => setTimeout(r, 50 * tries));
    }
  }
}

/**
 * Executes a claimed attempt and reports its outcome. It never decides what happens next. Every
 * call carries the idempotency key `${runId}:${stepId}:${attempt}`.
 * @throws when the RunObject cannot be reached; an attempt then left unreported is retried by its
 * timeout timer.
 */
async function runClaimed(
  env: AppEnv,
  reports: ReportBatcher,
  runId: string,
  claim: Claim,
  background: (p: Promise<unknown>) => void,
): Promise<void> {
  reports.started();
  await reports.report(await executeAttempt(env, runId, claim, hostFor(env, claim.tenantId), background));
}

/** Claims and executes one run's attempts of a batch; acks each message once its attempt is reported. */
async function runAttempts(
  env: AppEnv,
  runId: string,
  messages: readonly Message<StepMessage>[],
  background: (p: Promise<unknown>) => void,
): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  let claims: (Claim | null)[];
  try {
    claims = (await stub.claimMany(
      messages.map((m) => ({
        stepId: m.body.stepId,
        attempt: m.body.attempt,
        ...(m.body.unit ? { unit: m.body.unit } : {}),
      })),
    )) as (Claim | null)[];
  } catch (err) {
    for (const msg of messages) retryLater(msg, err);
    return;
  }
  const reports = new ReportBatcher((items) => reportMany(stub, items));
  await Promise.all(
    messages.map(async (msg, i) => {
      try {
        const claim = claims[i];
        if (claim) await runClaimed(env, reports, runId, claim, background);
        msg.ack();
      } catch (err) {
        retryLater(msg, err);
      }
    }),
  );
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
export async function consumeSteps(
  batch: MessageBatch<StepMessage>,
  env: AppEnv,
  ctx: ExecutionContext,
): Promise<void> {
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
    console.warn(
      `dead-lettered step ${msg.body.runId}/${msg.body.stepId}#${msg.body.attempt}; its timeout will retry or fail it`,
    );
    msg.ack();
  }
}
