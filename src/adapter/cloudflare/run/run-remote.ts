import { MAX_CALLS_PER_INVOCATION } from '../call-limiter';
import type { AppEnv } from '../env';
import { refKey, type AttemptRef, type Claim } from './attempts';

/** Most attempts a run keeps in executor invocations at once; beyond them its dispatches take the Queue. */
export const MAX_REMOTE_ATTEMPTS = 600;
/** A chunk whose executor invocation was lost is handed out again this many times in all. */
const CHUNK_TRIES = 2;
/** Wait before handing a lost chunk out again, ms. */
const CHUNK_RETRY_MS = 100;

/**
 * A fan-out's attempts beyond the lane, handed by the RunObject straight to `AttemptExecutor`
 * invocations (the `EXECUTOR` service binding) in chunks of {@link MAX_CALLS_PER_INVOCATION}:
 * no Queue send, no delivery wait, no second claim. Each attempt is claimed in the decision that
 * dispatched it and recorded (`remote`), so a new instance of the object hands out again whatever
 * a lost one left unreported. A chunk whose invocation is lost is handed out again (the attempts
 * the run still waits for); after that, each attempt's timeout retries it. Executors report
 * through `reportMany`, like the Queue consumer; a late or duplicate report changes nothing.
 */
export class RunRemote {
  private readonly inFlight = new Map<string, AttemptRef>();

  /**
   * @param executor the EXECUTOR binding, or undefined when the Worker has none (then nothing goes remote).
   * @param stillWanted whether the run still waits for an attempt (before a lost chunk is handed out again).
   * @param keepAlive keeps the object running while chunks are out (`ctx.waitUntil`).
   */
  constructor(
    private readonly executor: AppEnv['EXECUTOR'] | undefined,
    private readonly stillWanted: (ref: AttemptRef) => boolean,
    private readonly keepAlive: (work: Promise<unknown>) => void,
  ) {}

  /** How many more attempts may go remote now (0 without the binding). */
  get capacity(): number {
    return this.executor ? Math.max(0, MAX_REMOTE_ATTEMPTS - this.inFlight.size) : 0;
  }

  /** What is out in executor invocations now (recorded with each hand-off, so a new instance can resume it). */
  refs(): AttemptRef[] {
    return [...this.inFlight.values()];
  }

  /** Hands claimed attempts of run `runId` to executor invocations, six per call, all at once. */
  take(runId: string, claims: readonly Claim[]): void {
    for (const claim of claims) this.inFlight.set(refKey(claim), refOf(claim));
    for (let i = 0; i < claims.length; i += MAX_CALLS_PER_INVOCATION)
      this.keepAlive(this.send(runId, claims.slice(i, i + MAX_CALLS_PER_INVOCATION)));
  }

  private async send(runId: string, claims: Claim[]): Promise<void> {
    let chunk = claims;
    try {
      for (let tries = 1; chunk.length; tries++) {
        try {
          await this.executor!.execute(runId, chunk);
          return;
        } catch (err) {
          if (tries >= CHUNK_TRIES) {
            console.error(
              `run ${runId}: ${chunk.map(refKey).join(', ')} lost with their executor; their timeouts retry them`,
              err,
            );
            return;
          }
          await new Promise((r) => setTimeout(r, CHUNK_RETRY_MS));
          chunk = chunk.filter(this.stillWanted);
        }
      }
    } finally {
      for (const claim of claims) this.inFlight.delete(refKey(claim));
    }
  }
}

function refOf({ stepId, attempt, unit }: AttemptRef): AttemptRef {
  return { stepId, attempt, ...(unit ? { unit } : {}) };
}
