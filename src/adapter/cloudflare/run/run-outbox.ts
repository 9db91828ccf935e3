import type { RunState } from '../../../core/engine/index';
import type { OutboxCommand } from './outbox-command';
import type { RunMirror } from './run-mirror';
import type { RunStore } from './run-store';

/** Delay before retrying an outbox that could not be carried out (D1 or Queue unavailable), ms. */
export const OUTBOX_RETRY_MS = 2_000;

/** Carries out outbox entries (see `carryOut`); throws when a binding fails, and nothing is lost. */
export type CarryOut = (state: RunState, pending: { seq: number; entry: OutboxCommand }[]) => Promise<void>;

/**
 * The carrier of a RunObject's outbox: runs it after each commit (one run at a time, repeated
 * while entries keep arriving), holds the D1 mirror back while {@link RunMirror} defers it, and
 * retries what failed. Its wake-up time ({@link nextWakeAt}) is the safety net: should the outbox
 * not be carried out by then (this instance died, a binding failed), the alarm replays it.
 */
export class RunOutbox {
  private running: Promise<void> | null = null;
  /** The outbox holds more than a deferred mirror; true at first, so a new instance replays it. */
  private urgent = true;
  private retryAt: number | null;

  /** @param arm sets the object's alarm from every part's wake-up time; called after each run. */
  constructor(
    private readonly store: RunStore,
    private readonly mirror: RunMirror,
    private readonly carryOut: CarryOut,
    private readonly arm: () => Promise<void>,
  ) {
    // A new instance: what a lost one left in the outbox is due for a retry.
    this.retryAt = store.hasOutbox() ? Date.now() + OUTBOX_RETRY_MS : null;
  }

  /** A commit added `entries`: anything but a mirror is due soon, and retried should this instance die first. */
  committed(entries: readonly OutboxCommand[]): void {
    if (!entries.some((e) => e.type !== 'Mirror')) return;
    this.urgent = true;
    this.retryAt = Date.now() + OUTBOX_RETRY_MS;
  }

  /** When the outbox must be retried (epoch ms), or null when nothing but a deferred mirror waits. */
  nextWakeAt(): number | null {
    return this.retryAt;
  }

  /** Carries out the outbox; one run at a time, repeated while entries keep arriving. */
  flush(): Promise<void> {
    // Most reports leave only a mirror that is not due yet: a timer is already set for it.
    const state = this.store.state();
    if (!this.running && !this.urgent && state && this.mirror.isDeferred(state)) return Promise.resolve();
    // Assigned before `.finally` can run, so a run that finds nothing to do still clears itself.
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    let deferred = 0;
    try {
      for (;;) {
        this.urgent = false;
        const state = this.store.state();
        if (!state) return; // an object that holds no run (a report for an unknown run id) has nothing to carry out
        const all = this.store.outbox();
        deferred = this.mirror.delay(state);
        const pending = deferred ? all.filter((p) => p.entry.type !== 'Mirror') : all;
        if (!pending.length) break;
        await this.carryOut(state, pending);
        if (pending.some((p) => p.entry.type === 'Mirror')) this.mirror.wrote(state.status);
      }
    } catch (err) {
      console.error(`run ${this.store.state()?.runId}: outbox not carried out, retrying`, err);
      this.urgent = true;
      this.retryAt = Date.now() + OUTBOX_RETRY_MS;
      await this.arm();
      return;
    }
    this.retryAt = null;
    // What is left is a deferred mirror.
    if (this.store.hasOutbox()) this.mirror.defer(deferred, () => void this.flush());
    else this.mirror.settled();
    await this.arm();
  }
}
