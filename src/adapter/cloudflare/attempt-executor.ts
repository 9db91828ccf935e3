import { WorkerEntrypoint } from 'cloudflare:workers';
import type { AppEnv } from './env';
import { CallLimiter } from './call-limiter';
import { executeClaims } from './execute-claims';
import type { Claim } from './run/attempts';

/**
 * The RPC entrypoint the Queue consumer hands a chunk of a fan-out to, through the Worker's own
 * service binding `EXECUTOR` (wrangler.toml `[[services]]`): each call is an invocation of its
 * own, so a 100-branch block runs in ~17 invocations of at most six calls each instead of one
 * invocation the platform lets wait on six connections at a time.
 */
export class AttemptExecutor extends WorkerEntrypoint<AppEnv> {
  /**
   * Executes claims of one run (at most six are expected: MAX_CALLS_PER_INVOCATION) and
   * reports their outcomes to its RunObject; see {@link executeClaims}.
   * @returns per claim, whether its outcome was reported.
   */
  async execute(runId: string, claims: Claim[]): Promise<boolean[]> {
    const limiter = new CallLimiter(`executor:${crypto.randomUUID()}`);
    const background: Promise<unknown>[] = [];
    const done = await executeClaims(this.env, runId, claims, limiter, (p) => {
      background.push(p);
      this.ctx.waitUntil(p);
    });
    // The invocation lasts until its background work (circuit outcomes, slot releases) is done:
    // an RPC invocation that returned may lose it, and a circuit that misses successes opens.
    await Promise.allSettled(background);
    return done;
  }
}
