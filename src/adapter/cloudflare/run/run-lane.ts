import { CallLimiter, MAX_CALLS_PER_INVOCATION } from '../call-limiter';
import { refKey, type AttemptRef, type Claim, type Report } from './attempts';

/**
 * While the lane executes an attempt, the alarm wakes the object at least this often, ms. Should
 * the process die mid-call, that wake-up is a new instance: it finds the lane's attempt recorded
 * and executes it again at once, with the same idempotency key (the attempt was never reported).
 */
export const LANE_WATCH_MS = 5_000;

/**
 * A run's own lane: its RunObject executes one attempt at a time itself, so a sequential chain
 * pays no Queue hop and no Worker-to-object call per step; attempts that become ready while the
 * lane is busy (a fan-out's other branches) go through the Queue. Its outbound calls go through
 * {@link calls}: at most {@link MAX_LANE_CALLS} wait for response headers at once, one under the six
 * an invocation may have, left for the object's own Queue sends.
 *
 * An attempt is claimed (recorded as started, and recorded as the lane's) in the decision that
 * hands it to the lane, before its call; should the object die mid-call, its next instance
 * executes it again with the same idempotency key (`RunObject`, woken by the alarm at the latest
 * {@link LANE_WATCH_MS} later: {@link nextWakeAt}).
 */
export class RunLane {
  /** The attempt (or a turn's tool calls) in flight, or null when the lane is free. */
  private current: { calls: { ref: AttemptRef; abort: AbortController; done: boolean }[] } | null = null;
  /** While an attempt is in flight, when the alarm must wake the object to watch it (epoch ms). */
  private watchUntil = 0;
  /** The lane's outbound calls (agent, http, mcp): at most {@link MAX_LANE_CALLS} in flight. */
  readonly calls: CallLimiter;

  /**
   * @param execute calls what the claim names, until `signal` aborts; failures are values (it
   * throws only when a platform binding fails).
   * @param report settles the outcome; the decision it makes may hand the lane its next attempt.
   * @param keepAlive keeps the object running while the attempt is in flight (`ctx.waitUntil`).
   * @param name names {@link calls} (its peak in `callPeaks()`), e.g. `lane:<object id>`.
   */
  constructor(
    private readonly execute: (claim: Claim, signal: AbortSignal) => Promise<Report>,
    private readonly report: (report: Report) => Promise<void>,
    private readonly keepAlive: (work: Promise<unknown>) => void,
    name = 'lane',
  ) {
    this.calls = new CallLimiter(name, MAX_LANE_CALLS);
  }

  /** How many attempts the lane takes now: 1 when idle, else 0. */
  get capacity(): number {
    return this.current ? 0 : 1;
  }

  /**
   * Executes claimed attempts in the background and reports each as it ends: one attempt, or the
   * tool calls of one agent turn side by side (at most {@link MAX_LANE_CALLS}). The lane is free
   * again once the last one ended, before that one is reported.
   */
  take(claims: Claim[]): void {
    const job = {
      calls: claims.map((claim) => ({
        ref: { stepId: claim.stepId, attempt: claim.attempt, ...(claim.unit ? { unit: claim.unit } : {}) },
        abort: new AbortController(),
        done: false,
      })),
    };
    this.current = job;
    this.watchUntil = Date.now() + LANE_WATCH_MS;
    claims.forEach((claim, i) => {
      const call = job.calls[i]!;
      const work = (async () => {
        let report: Report;
        try {
          report = await this.execute(claim, call.abort.signal);
        } finally {
          call.done = true;
          // Free before reporting the last one, so the decision on it can hand the lane the next step.
          if (this.current === job && job.calls.every((c) => c.done)) this.current = null;
        }
        await this.report(report);
      })().catch((err) =>
        console.error(`attempt ${refKey(claim)}: not executed or not reported; its timeout will retry it`, err),
      );
      this.keepAlive(work);
    });
  }

  /** What the lane executes now (recorded with each commit, so a new instance can resume it). */
  refs(): AttemptRef[] {
    return this.current?.calls.filter((c) => !c.done).map((c) => c.ref) ?? [];
  }

  /** When the alarm must wake the object while an attempt is in flight (epoch ms), or null when the lane is free. */
  nextWakeAt(): number | null {
    return this.current ? this.watchUntil : null;
  }

  /** The object woke up at `now` (epoch ms): an attempt still in flight is watched again {@link LANE_WATCH_MS} later. */
  wake(now: number): void {
    if (this.current && this.watchUntil <= now) this.watchUntil = now + LANE_WATCH_MS;
  }

  /**
   * Aborts the calls in flight the run no longer waits for (the run was cancelled or failed, the
   * step timed out or was cancelled): an abandoned agent call stops costing, and once none is left
   * the lane is free for what comes next. Their late reports would be ignored anyway.
   */
  release(stillWanted: (ref: AttemptRef) => boolean): void {
    for (const call of this.current?.calls ?? [])
      if (!call.done && !stillWanted(call.ref)) call.abort.abort(new Error('the run no longer waits for this attempt'));
  }
}

/**
 * Most tool calls of one turn the lane executes side by side, and most outbound calls it keeps in
 * flight: {@link MAX_CALLS_PER_INVOCATION} less the one the object's outbox needs for its Queue sends.
 */
export const MAX_LANE_CALLS = MAX_CALLS_PER_INVOCATION - 1;
