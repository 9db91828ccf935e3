import type { AgentHost } from '../../agents/index';

/**
 * Most outbound calls (agent, http, mcp, model) one invocation keeps waiting for response headers
 * at once: Cloudflare's limit of simultaneous open connections per invocation
 * (https://developers.cloudflare.com/workers/platform/limits/#simultaneous-open-connections).
 * wrangler dev does not enforce it; whatever executes attempts does, through a {@link CallLimiter}.
 */
export const MAX_CALLS_PER_INVOCATION = 6;

/** How many limiters {@link callPeaks} and {@link callCounts} remember (the newest ones). */
const PEAKS_KEPT = 512;
const peaks = new Map<string, number>();
const counts = new Map<string, number>();

/**
 * The most calls each recent limiter had in flight at once, by its name (e.g. `executor:<uuid>`):
 * what an invocation really held, for tests and diagnostics in the same isolate. Bounded to the
 * newest {@link PEAKS_KEPT} limiters.
 */
export function callPeaks(): ReadonlyMap<string, number> {
  return peaks;
}

/**
 * How many calls each recent limiter let through, by its name: with {@link callPeaks}, a test can
 * check that every call an agent saw went through some limiter (none bypassed the cap).
 */
export function callCounts(): ReadonlyMap<string, number> {
  return counts;
}

function remember(map: Map<string, number>, name: string, value: number): void {
  map.delete(name);
  map.set(name, value);
  while (map.size > PEAKS_KEPT) map.delete(map.keys().next().value!);
}

/**
 * A counting semaphore over the outbound calls of one invocation: at most `max` are in flight, the
 * others wait in arrival order. A call holds its slot until its response headers arrive (or it
 * fails), as the platform counts connections; reading the body holds nothing.
 */
export class CallLimiter {
  private inFlight = 0;
  private peak = 0;
  private calls = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param name what {@link callPeaks} records this limiter's peak under.
   * @param max calls in flight at most (default {@link MAX_CALLS_PER_INVOCATION}).
   */
  constructor(
    readonly name: string,
    private readonly max = MAX_CALLS_PER_INVOCATION,
  ) {}

  /** Calls in flight now. */
  get active(): number {
    return this.inFlight;
  }

  /**
   * Runs `call` once a slot is free. A call whose `signal` aborts while it waits is not made.
   * @throws what `call` throws, or the signal's reason when it aborted while waiting.
   */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal | null): Promise<T> {
    if (this.inFlight >= this.max) await this.turn(signal);
    else this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    this.calls += 1;
    remember(peaks, this.name, this.peak);
    remember(counts, this.name, this.calls);
    try {
      return await call();
    } finally {
      this.release();
    }
  }

  /** The host with its `fetch` going through this limiter; secrets as before. */
  wrap(host: AgentHost): AgentHost {
    return {
      ...host,
      fetch: (input, init) => this.run(() => host.fetch(input, init), init?.signal),
    };
  }

  /** Waits for a slot handed over by {@link release} (the count stays taken). */
  private turn(signal?: AbortSignal | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      const granted = () => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        const at = this.waiting.indexOf(granted);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiting.push(granted);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }
}
