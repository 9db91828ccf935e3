import type { Claim, Report } from './attempts';

/**
 * A run's own lane: its RunObject executes one attempt at a time itself, so a sequential chain
 * pays no Queue hop and no Worker-to-object call per step; attempts that become ready while the
 * lane is busy (a fan-out's other branches) go through the Queue. One at a time keeps the object
 * well under the six connections an invocation may have waiting for response headers in production.
 *
 * An attempt is claimed (recorded as started) in the decision that hands it to the lane, before
 * its call; should the object die mid-call, the attempt's timeout timer retries it.
 */
export class RunLane {
  private busy = false;

  /**
   * @param execute calls what the claim names; failures are values (it throws only when a platform
   * binding fails).
   * @param report settles the outcome; the decision it makes may hand the lane its next attempt.
   * @param keepAlive keeps the object running while the attempt is in flight (`ctx.waitUntil`).
   */
  constructor(
    private readonly execute: (claim: Claim) => Promise<Report>,
    private readonly report: (report: Report) => Promise<void>,
    private readonly keepAlive: (work: Promise<unknown>) => void,
  ) {}

  /** How many attempts the lane takes now: 1 when idle, else 0. */
  get capacity(): number {
    return this.busy ? 0 : 1;
  }

  /** Executes a claimed attempt in the background, then reports it. */
  take(claim: Claim): void {
    this.busy = true;
    const work = (async () => {
      let report: Report;
      try {
        report = await this.execute(claim);
      } finally {
        // Free before reporting, so the decision on this report can hand the lane the next step.
        this.busy = false;
      }
      await this.report(report);
    })().catch((err) => console.error(`attempt ${claim.stepId}#${claim.attempt}: not executed or not reported; its timeout will retry it`, err));
    this.keepAlive(work);
  }
}
