import type { Report } from './attempts';

/** How long a report waits for the reports of the same run's other attempts in flight, ms. */
export const REPORT_WINDOW_MS = 5;

/**
 * Gathers the reports of one run's attempts that run in one invocation (a chunk of a fan-out) into
 * few calls to its RunObject. A report goes at once when no other attempt of the run is in
 * flight here; otherwise it waits at most {@link REPORT_WINDOW_MS} for the others.
 */
export class ReportBatcher {
  private inFlight = 0;
  private pending: { report: Report; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** @param send delivers a batch of reports. */
  constructor(private readonly send: (reports: Report[]) => Promise<void>) {}

  /** An attempt of the run starts executing here. */
  started(): void {
    this.inFlight += 1;
  }

  /** Reports an attempt that `started()`; settles once its batch is delivered. */
  report(report: Report): Promise<void> {
    this.inFlight -= 1;
    const delivered = new Promise<void>((resolve, reject) => this.pending.push({ report, resolve, reject }));
    if (this.inFlight <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), REPORT_WINDOW_MS);
    return delivered;
  }

  /** An attempt that `started()` ends without a report (its execution threw): the others wait no more for it. */
  abandoned(): void {
    this.inFlight -= 1;
    if (this.inFlight <= 0 && this.pending.length) this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    this.send(batch.map((p) => p.report)).then(
      () => {
        for (const p of batch) p.resolve();
      },
      (err) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}
