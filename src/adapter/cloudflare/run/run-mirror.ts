import { isRunTerminal, type RunState } from '../../../core/engine/index';

/**
 * While a run goes on, its D1 mirror is written at most this often, ms; a status change (started,
 * waiting, finished) is mirrored at once. Live detail comes from the RunObject itself.
 */
export const MIRROR_INTERVAL_MS = 500;

/**
 * The deferral of a run's D1 mirror: when it was last written, and the in-memory timer that writes
 * a deferred one. Should this instance lose that timer (evicted, crashed), the alarm wakes the
 * object `safetyMs` after the mirror was due ({@link nextWakeAt}), and any wake-up writes it.
 */
export class RunMirror {
  private written = { at: 0, status: '' };
  private later: ReturnType<typeof setTimeout> | null = null;
  /** When the deferred mirror is due (epoch ms), while one waits. */
  private dueAt: number | null = null;

  /** @param safetyMs how long after its due time a deferred mirror wakes the object, ms. */
  constructor(private readonly safetyMs: number) {}

  /** ms before the mirror may be written again; 0 when due (status changed, run ended, or interval passed). */
  delay(state: RunState): number {
    if (state.status !== this.written.status || isRunTerminal(state)) return 0;
    return Math.max(0, this.written.at + MIRROR_INTERVAL_MS - Date.now());
  }

  /** Whether a deferred mirror is scheduled and not yet due: an outbox run now would write nothing. */
  isDeferred(state: RunState): boolean {
    return this.later !== null && this.delay(state) > 0;
  }

  /** The mirror of a state with `status` was written just now. */
  wrote(status: string): void {
    this.written = { at: Date.now(), status };
    this.dueAt = null;
  }

  /** A mirror waits `ms`: `flush` is called then (once per deferral), and the alarm is asked for later. */
  defer(ms: number, flush: () => void): void {
    this.dueAt = Date.now() + ms;
    this.later ??= setTimeout(() => {
      this.later = null;
      flush();
    }, ms);
  }

  /** No mirror waits. */
  settled(): void {
    this.dueAt = null;
  }

  /** When the alarm must wake the object for a deferred mirror (epoch ms), or null. */
  nextWakeAt(): number | null {
    return this.dueAt === null ? null : this.dueAt + this.safetyMs;
  }

  /** The object woke up: whatever waits is written now (a new instance knows nothing of a deferral). */
  wake(): void {
    this.written.at = 0;
  }
}
