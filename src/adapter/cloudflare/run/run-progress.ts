import { MAX_UPDATES_PER_EMAIL, type ProgressUpdate } from '../../../core/progress-updates';
import type { WakeSource } from './run-alarm';
import type { RunStore } from './run-store';

/** Progress emails of one run go at most this often, ms (issue 20: at most one per minute). */
export const PROGRESS_INTERVAL_MS = 60_000;

/** The outbox entry of one progress email: its updates, how many more were held, and its number in the run. */
export interface ProgressEmail {
  type: 'ProgressEmail';
  updates: ProgressUpdate[];
  more: number;
  seq: number;
}

/** What the object stores between emails: when the last went, the updates held since, the emails sent. */
interface Held {
  lastAt: number | null;
  updates: ProgressUpdate[];
  more: number;
  sent: number;
}

const KEY = 'progress';

/**
 * The throttle of a run's progress emails: the first update goes at once; those that come within
 * {@link PROGRESS_INTERVAL_MS} of the last email are held and go together when it has passed (the
 * object's alarm wakes it then). Its state is in the object's storage, written in the commit's
 * transaction, and read each time (so nothing is lost or sent twice across instances).
 */
export class RunProgress implements WakeSource {
  constructor(private readonly store: RunStore) {}

  private held(): Held {
    return this.store.get<Held>(KEY) ?? { lastAt: null, updates: [], more: 0, sent: 0 };
  }

  /**
   * A commit's updates.
   * @param now epoch ms
   * @returns the email to put in the commit's outbox now, or null when they are held (or none).
   */
  add(updates: readonly ProgressUpdate[], now: number): ProgressEmail | null {
    if (!updates.length) return null;
    const held = this.held();
    const all = [...held.updates, ...updates];
    const kept = all.slice(0, MAX_UPDATES_PER_EMAIL);
    const next = { ...held, updates: kept, more: held.more + all.length - kept.length };
    return this.release(next, now);
  }

  /** The alarm fired: the held updates, when their interval has passed. */
  due(now: number): ProgressEmail | null {
    return this.release(this.held(), now);
  }

  /** The run ended: its result reply follows, so what is held is dropped. */
  ended(): void {
    const held = this.held();
    if (held.updates.length) this.store.put(KEY, { ...held, updates: [], more: 0 });
  }

  nextWakeAt(): number | null {
    const held = this.held();
    return held.updates.length && held.lastAt !== null ? held.lastAt + PROGRESS_INTERVAL_MS : null;
  }

  private release(held: Held, now: number): ProgressEmail | null {
    if (!held.updates.length) return null;
    if (held.lastAt !== null && now - held.lastAt < PROGRESS_INTERVAL_MS) {
      this.store.put(KEY, held);
      return null;
    }
    const email: ProgressEmail = { type: 'ProgressEmail', updates: held.updates, more: held.more, seq: held.sent + 1 };
    this.store.put(KEY, { lastAt: now, updates: [], more: 0, sent: held.sent + 1 });
    return email;
  }
}
