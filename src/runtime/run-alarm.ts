/**
 * The one alarm of a RunObject, as this instance set it: when it fires (epoch ms), so callers can
 * ask for "at the latest then" without a storage read. Every set and delete goes through here.
 */
export class RunAlarm {
  private at: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Sets the alarm to `at` (epoch ms), or deletes it for null. */
  set(at: number | null): Promise<void> {
    this.at = at;
    return at === null ? this.storage.deleteAlarm() : this.storage.setAlarm(at);
  }

  /** Makes sure the alarm fires by `by` (epoch ms): moves it earlier, never later. */
  atLatest(by: number): void {
    if (this.at === null || this.at > by) void this.set(by);
  }

  /** The alarm fired: none is set until the next `set`. */
  fired(): void {
    this.at = null;
  }
}
