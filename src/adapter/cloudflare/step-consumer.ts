import type { AppEnv, StepMessage } from './env';
import { CallLimiter, MAX_CALLS_PER_INVOCATION } from './call-limiter';
import { executeClaims } from './execute-claims';
import type { Claim } from './run/attempts';

type Claimed = { msg: Message<StepMessage>; claim: Claim };

/** This consumer invocation's own calls: the first chunk is executed here, the others each in an invocation of its own. */
interface Local {
  limiter: CallLimiter | null;
  background: (p: Promise<unknown>) => void;
}

/**
 * Executes one chunk of claims (at most {@link MAX_CALLS_PER_INVOCATION}): the invocation's first
 * here, through its own limiter (one RPC hop less); the others through the `EXECUTOR` entrypoint
 * of this Worker, each call an invocation of its own. Without that binding, all here.
 * @returns per claim, whether its outcome was reported. @throws when the executor's invocation was lost.
 */
function executeChunk(env: AppEnv, runId: string, claims: Claim[], local: Local): Promise<boolean[]> {
  if (env.EXECUTOR && local.limiter) return env.EXECUTOR.execute(runId, claims) as Promise<boolean[]>;
  local.limiter ??= new CallLimiter(`consumer:${crypto.randomUUID()}`);
  return executeClaims(env, runId, claims, local.limiter, local.background);
}

/**
 * Claims one run's attempts of a batch in one call, then hands them on in chunks of at most
 * {@link MAX_CALLS_PER_INVOCATION}, each chunk an invocation of its own, all at once. Acks each
 * message once its attempt is reported (or was not claimable: a duplicate, a stale attempt), and
 * retries the others: a redelivered claimed attempt is not claimed again, its timeout retries it.
 */
async function runAttempts(
  env: AppEnv,
  runId: string,
  messages: readonly Message<StepMessage>[],
  local: Local,
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
  const claimed: Claimed[] = [];
  messages.forEach((msg, i) => {
    const claim = claims[i];
    if (claim) claimed.push({ msg, claim });
    else msg.ack();
  });
  const chunks: Claimed[][] = [];
  for (let i = 0; i < claimed.length; i += MAX_CALLS_PER_INVOCATION)
    chunks.push(claimed.slice(i, i + MAX_CALLS_PER_INVOCATION));
  await Promise.all(
    chunks.map(async (chunk) => {
      try {
        const done = await executeChunk(
          env,
          runId,
          chunk.map((c) => c.claim),
          local,
        );
        chunk.forEach(({ msg }, i) => {
          if (done[i]) msg.ack();
          else retryLater(msg, new Error('not reported'));
        });
      } catch (err) {
        for (const { msg } of chunk) retryLater(msg, err);
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
 * fan-out starts at once) and executes them in chunks of at most six per invocation (the first
 * here, the others in `AttemptExecutor`), so no invocation waits on more connections than the
 * platform allows.
 */
export async function consumeSteps(
  batch: MessageBatch<StepMessage>,
  env: AppEnv,
  ctx: ExecutionContext,
): Promise<void> {
  const byRun = new Map<string, Message<StepMessage>[]>();
  for (const m of batch.messages) byRun.set(m.body.runId, [...(byRun.get(m.body.runId) ?? []), m]);
  const local: Local = { limiter: null, background: (p) => ctx.waitUntil(p) };
  await Promise.all([...byRun].map(([runId, messages]) => runAttempts(env, runId, messages, local)));
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
