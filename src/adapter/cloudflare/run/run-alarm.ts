/** A part of the RunObject that needs waking at a time of its own. */
export interface WakeSource {
  /** When this part next needs the object awake (epoch ms), or null when it needs nothing. */
  nextWakeAt(): number | null;
}

/** The earliest of some wake-up times (epoch ms), or null when none is given. */
export function earliestWake(times: readonly (number | null)[]): number | null {
  let earliest: number | null = null;
  for (const at of times) if (at !== null && (earliest === null || at < earliest)) earliest = at;
  return earliest;
}

/**
 * The one alarm of a RunObject, the only code that sets or deletes it: {@link arm} sets it to the
 * earliest wake-up time of the object's parts (timers, outbox retry, mirror deferral, lane watch).
 * It remembers what this instance set, so an unchanged time costs no storage write.
 */
export class RunAlarm {
  /** What this instance set (epoch ms), null for none, undefined before it set anything. */
  private at: number | null | undefined = undefined;

  /** @param parts the object's parts that have a time of their own; asked at every {@link arm}. */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly parts: readonly WakeSource[],
  ) {}

  /** Sets the alarm to the earliest time a part needs, or deletes it when none needs one. Call after every commit and every outbox run. */
  arm(): Promise<void> {
    const next = earliestWake(this.parts.map((p) => p.nextWakeAt()));
    if (next === this.at) return Promise.resolve();
    this.at = next;
    return next === null ? this.storage.deleteAlarm() : this.storage.setAlarm(next);
  }

  /** The alarm fired: none is set until the next {@link arm}. */
  fired(): void {
    this.at = null;
  }
}
