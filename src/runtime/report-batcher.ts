import type { Claim, Report } from './run-object';

/** How long a report waits for the reports of the same run's other attempts in flight, ms. */
export const REPORT_WINDOW_MS = 5;

type Item = { report: Report; wantsNext: boolean };

/**
 * Gathers the reports of one run's attempts that run in one consumer invocation (a fan-out) into
 * few calls to its RunObject. A report goes at once when no other attempt of the run is in
 * flight here (a chain pays no delay); otherwise it waits at most {@link REPORT_WINDOW_MS} for
 * the others.
 */
export class ReportBatcher {
  private inFlight = 0;
  private pending: { item: Item; resolve: (c: Claim | null) => void; reject: (e: unknown) => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** @param send delivers a batch; answers each report's handed-back attempt, in order. */
  constructor(private readonly send: (items: Item[]) => Promise<(Claim | null)[]>) {}

  /** An attempt of the run starts executing here. */
  started(): void {
    this.inFlight += 1;
  }

  /** Reports an attempt that `started()`. @returns the attempt handed back to it, if any. */
  report(item: Item): Promise<Claim | null> {
    this.inFlight -= 1;
    const answer = new Promise<Claim | null>((resolve, reject) => this.pending.push({ item, resolve, reject }));
    if (this.inFlight <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), REPORT_WINDOW_MS);
    return answer;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    this.send(batch.map((p) => p.item)).then(
      (claims) => batch.forEach((p, i) => p.resolve(claims[i] ?? null)),
      (err) => batch.forEach((p) => p.reject(err)),
    );
  }
}
