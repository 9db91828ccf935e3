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
 * lane is busy (a fan-out's other branches) go through the Queue. One at a time keeps the object
 * well under the six connections an invocation may have waiting for response headers in production.
 *
 * An attempt is claimed (recorded as started, and recorded as the lane's) in the decision that
 * hands it to the lane, before its call; should the object die mid-call, its next instance
 * executes it again with the same idempotency key (`RunObject`, woken by the alarm at the latest
 * {@link LANE_WATCH_MS} later: {@link nextWakeAt}).
 */
export class RunLane {
  /** The attempt in flight, or null when the lane is free. */
  private current: { ref: AttemptRef; abort: AbortController } | null = null;
  /** While an attempt is in flight, when the alarm must wake the object to watch it (epoch ms). */
  private watchUntil = 0;

  /**
   * @param execute calls what the claim names, until `signal` aborts; failures are values (it
   * throws only when a platform binding fails).
   * @param report settles the outcome; the decision it makes may hand the lane its next attempt.
   * @param keepAlive keeps the object running while the attempt is in flight (`ctx.waitUntil`).
   */
  constructor(
    private readonly execute: (claim: Claim, signal: AbortSignal) => Promise<Report>,
    private readonly report: (report: Report) => Promise<void>,
    private readonly keepAlive: (work: Promise<unknown>) => void,
  ) {}

  /** How many attempts the lane takes now: 1 when idle, else 0. */
  get capacity(): number {
    return this.current ? 0 : 1;
  }

  /** Executes a claimed attempt in the background, then reports it. */
  take(claim: Claim): void {
    const ref: AttemptRef = {
      stepId: claim.stepId,
      attempt: claim.attempt,
      ...(claim.unit ? { unit: claim.unit } : {}),
    };
    const current = { ref, abort: new AbortController() };
    this.current = current;
    this.watchUntil = Date.now() + LANE_WATCH_MS;
    const work = (async () => {
      let report: Report;
      try {
        report = await this.execute(claim, current.abort.signal);
      } finally {
        // Free before reporting, so the decision on this report can hand the lane the next step.
        this.current = null;
      }
      await this.report(report);
    })().catch((err) =>
      console.error(`attempt ${refKey(claim)}: not executed or not reported; its timeout will retry it`, err),
    );
    this.keepAlive(work);
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
   * Aborts the call in flight when the run no longer waits for its attempt (the run was cancelled
   * or failed, the step timed out or was cancelled): the lane is free for what comes next, and an
   * abandoned agent call stops costing. Its late report would be ignored anyway.
   */
  release(stillWanted: (ref: AttemptRef) => boolean): void {
    if (this.current && !stillWanted(this.current.ref))
      this.current.abort.abort(new Error('the run no longer waits for this attempt'));
  }
}
