import { LRUCache } from 'lru-cache';
import type { CircuitState, Outcomes } from '../../core/policy/circuit';
import { circuitOf, type AppEnv } from './env';

/** How long this isolate trusts a `closed` circuit it has seen before asking the AgentCircuit again, ms. */
export const CLOSED_TRUST_MS = 1_000;

/**
 * Outcomes (successes and failures alike) are gathered this long before one call sends their
 * counts, ms: at most one call per agent per this interval.
 */
export const OUTCOME_BATCH_MS = 250;

/**
 * A send loop that made no progress this long is taken for dead, ms: its invocation may have
 * ended (its timers then never fire), and the next outcome starts another loop.
 */
export const STALE_SEND_MS = 4 * OUTCOME_BATCH_MS;

/** Most agents (`<tenant>:<agent>`) whose circuit this isolate remembers; the least recently used are forgotten (and asked again). */
export const GATE_CACHE_MAX = 1_000;

/**
 * A `closed` circuit this isolate saw lately, per `<tenant>:<agent>`, trusted for
 * {@link CLOSED_TRUST_MS}. No timers (`ttlAutopurge: false`, `ttlResolution: 0`): an entry
 * expires when read, so nothing keeps the isolate busy.
 */
const trustedClosed = new LRUCache<string, true>({
  max: GATE_CACHE_MAX,
  ttl: CLOSED_TRUST_MS,
  ttlAutopurge: false,
  ttlResolution: 0,
  perf: Date,
});
/** An acquire in flight per `<tenant>:<agent>`, so a fan-out asks once. */
const firstAsk = new LRUCache<string, Promise<CircuitState['state']>>({ max: GATE_CACHE_MAX });
/**
 * Outcomes not yet sent, and the send loop with when it last made progress (epoch ms), per
 * `<tenant>:<agent>`. Not caches: queues of counts that must reach the circuit, emptied by their loop.
 */
const unsent = new Map<string, Outcomes>();
const sending = new Map<string, { beat: number }>();

/**
 * The gate in front of a remote agent call, with a local view of its circuit breaker: a circuit
 * seen `closed` within {@link CLOSED_TRUST_MS} lets calls through without a round trip to its
 * AgentCircuit object; open and half-open circuits are always asked (so probes stay single).
 *
 * Outcomes are counted here and sent in the background, successes and failures together, many in
 * one call. They must travel the same way: a failure sent at once while the successes before it
 * wait for their batch shows the circuit a failure rate its agent does not have (at 30 % failures,
 * 7 failures arrived after 7 successes and opened it within a second). For the same reason the
 * calls it lets through are counted as started (and those abandoned without an outcome as such):
 * the circuit counts calls in flight as successes to come, so fast failures do not outrun slow
 * successes. The half-open probe's outcome is the one sent alone, at once: it alone closes or
 * reopens the circuit.
 */
export class CircuitGate {
  private readonly key: string;
  /** Whether the call this gate admitted is the half-open probe. */
  private probe = false;

  /**
   * @param background collects the background sends, for the caller's `waitUntil`.
   * @param circuitFor the agent's AgentCircuit (tests wrap it to count calls).
   */
  constructor(
    env: AppEnv,
    tenantId: string,
    agent: string,
    private readonly background: (p: Promise<unknown>) => void,
    private readonly circuitFor: () => Pick<ReturnType<typeof circuitOf>, 'acquire' | 'record'> = () =>
      circuitOf(env, tenantId, agent),
  ) {
    this.key = `${tenantId}:${agent}`;
  }

  /** @returns whether the call may go now, else how long to wait (ms). */
  async acquire(): Promise<{ allowed: boolean; retryAfterMs?: number }> {
    if (trustedClosed.get(this.key)) return this.started();
    // Concurrent calls (a fan-out) wait for one answer; only a closed circuit is shared this way.
    const asking = firstAsk.get(this.key);
    if (asking && (await asking.catch(() => null)) === 'closed') return this.started();
    const answer = this.circuitFor().acquire();
    const state = answer.then((a) => a.state);
    firstAsk.set(this.key, state);
    void state.catch(() => undefined).finally(() => firstAsk.get(this.key) === state && firstAsk.delete(this.key));
    const { allowed, retryAfterMs, state: after } = await answer;
    this.probe = allowed && after === 'half_open';
    this.saw(after);
    if (allowed && !this.probe) return this.started();
    return { allowed, retryAfterMs };
  }

  /** Counts a call let through while closed as started (sent with the next outcomes). */
  private started(): { allowed: true } {
    const counts = this.counts();
    counts.started = (counts.started ?? 0) + 1;
    this.sendSoon();
    return { allowed: true };
  }

  private counts(): Outcomes {
    const counts = unsent.get(this.key) ?? { ok: 0, failed: 0 };
    unsent.set(this.key, counts);
    return counts;
  }

  /** Whether the call this gate admitted is the half-open probe (its outcome must be recorded). */
  get isProbe(): boolean {
    return this.probe;
  }

  /**
   * Records the admitted call's outcome: `ok` is false only for the agent's own failures; `null`
   * for a call that ended with none to count (its run abandoned it).
   */
  async record(ok: boolean | null): Promise<void> {
    if (this.probe) {
      this.probe = false;
      if (ok !== null) this.saw(await this.circuitFor().record(ok));
      return;
    }
    const counts = this.counts();
    if (ok === null) counts.abandoned = (counts.abandoned ?? 0) + 1;
    else if (ok) counts.ok++;
    else counts.failed++;
    this.sendSoon();
  }

  /** Starts a send loop unless one is making progress. */
  private sendSoon(): void {
    const loop = sending.get(this.key);
    if (!loop || Date.now() - loop.beat > STALE_SEND_MS) this.background(this.sendOutcomes());
  }

  /**
   * Sends the outcomes counted every {@link OUTCOME_BATCH_MS}, one call at a time, until an
   * interval counts none. Under steady load that is one call per interval, not one per round trip.
   */
  private sendOutcomes(): Promise<void> {
    const loop = { beat: Date.now() };
    sending.set(this.key, loop);
    return (async () => {
      try {
        // A loop taken for dead that wakes up stops at once: the one that replaced it sends.
        while (sending.get(this.key) === loop) {
          await new Promise((r) => setTimeout(r, OUTCOME_BATCH_MS));
          const counts = unsent.get(this.key);
          if (!counts || sending.get(this.key) !== loop) break;
          unsent.delete(this.key);
          loop.beat = Date.now();
          try {
            this.saw(await this.circuitFor().record(counts));
          } catch (err) {
            console.warn(`circuit ${this.key}: outcomes not recorded: ${JSON.stringify(counts)}`, err);
          }
          loop.beat = Date.now();
        }
      } finally {
        // In the same turn as the last check, so an outcome counted after it starts a new loop.
        if (sending.get(this.key) === loop) sending.delete(this.key);
      }
    })();
  }

  private saw(state: CircuitState['state']): void {
    if (state === 'closed') trustedClosed.set(this.key, true);
    else trustedClosed.delete(this.key);
  }
}
