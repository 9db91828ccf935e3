import type { CircuitState } from '../core/policy/circuit';
import { circuitOf, type AppEnv } from '../env';

/** How long this isolate trusts a `closed` circuit it has seen before asking the AgentCircuit again, ms. */
export const CLOSED_TRUST_MS = 1_000;

/** Successes are gathered this long before one call sends them all, ms: at most one call per agent per this interval. */
export const SUCCESS_BATCH_MS = 250;

/** Last circuit state this isolate saw per `<tenant>:<agent>`, with when (epoch ms). */
const seen = new Map<string, { state: CircuitState['state']; at: number }>();
/** Successes not yet sent, and the send in flight, per `<tenant>:<agent>`. */
const unsent = new Map<string, number>();
const sending = new Map<string, Promise<void>>();
/** An acquire in flight per `<tenant>:<agent>`, so a fan-out asks once. */
const firstAsk = new Map<string, Promise<CircuitState['state']>>();

/**
 * The gate in front of a remote agent call, with a local view of its circuit breaker: a circuit
 * seen `closed` within {@link CLOSED_TRUST_MS} lets calls through without a round trip to its
 * AgentCircuit object; open and half-open circuits are always asked (so probes stay single).
 * Failures are recorded before the caller goes on (they may open the circuit). Successes never
 * open it, so they are counted here and sent in the background, many in one call.
 */
export class CircuitGate {
  private readonly key: string;

  /**
   * @param background collects the background sends, for the caller's `waitUntil`.
   * @param circuitFor the agent's AgentCircuit (tests wrap it to count calls).
   */
  constructor(
    env: AppEnv,
    tenantId: string,
    agent: string,
    private readonly background: (p: Promise<unknown>) => void,
    private readonly circuitFor: () => Pick<ReturnType<typeof circuitOf>, 'acquire' | 'record'> = () => circuitOf(env, tenantId, agent),
  ) {
    this.key = `${tenantId}:${agent}`;
  }

  /** @returns whether the call may go now, else how long to wait (ms). */
  async acquire(): Promise<{ allowed: boolean; retryAfterMs?: number }> {
    const known = seen.get(this.key);
    if (known?.state === 'closed' && Date.now() - known.at < CLOSED_TRUST_MS) return { allowed: true };
    // Concurrent calls (a fan-out) wait for one answer; only a closed circuit is shared this way.
    const asking = firstAsk.get(this.key);
    if (asking && (await asking.catch(() => null)) === 'closed') return { allowed: true };
    const answer = this.circuit().acquire();
    const state = answer.then((a) => a.state);
    firstAsk.set(this.key, state);
    void state.catch(() => undefined).finally(() => firstAsk.get(this.key) === state && firstAsk.delete(this.key));
    const { allowed, retryAfterMs, state: after } = await answer;
    this.saw(after);
    return { allowed, retryAfterMs };
  }

  /** Records a call's outcome; `ok` is false only for the agent's own failures. */
  async record(ok: boolean): Promise<void> {
    if (!ok) {
      this.saw(await this.circuit().record(false));
      return;
    }
    unsent.set(this.key, (unsent.get(this.key) ?? 0) + 1);
    if (!sending.has(this.key)) this.background(this.sendSuccesses());
  }

  /**
   * Sends the successes counted every {@link SUCCESS_BATCH_MS}, one call at a time, until an
   * interval counts none. Under steady load that is one call per interval, not one per round trip.
   */
  private sendSuccesses(): Promise<void> {
    let finished!: () => void;
    const send = new Promise<void>((resolve) => (finished = resolve));
    sending.set(this.key, send);
    void (async () => {
      try {
        for (;;) {
          await new Promise((r) => setTimeout(r, SUCCESS_BATCH_MS));
          const ok = unsent.get(this.key) ?? 0;
          if (ok === 0) break;
          unsent.delete(this.key);
          try {
            this.saw(await this.circuit().record({ ok, failed: 0 }));
          } catch (err) {
            console.warn(`circuit ${this.key}: ${ok} successes not recorded`, err);
          }
        }
      } finally {
        // In the same turn as the last check, so a success counted after it starts a new send.
        sending.delete(this.key);
        finished();
      }
    })();
    return send;
  }

  private circuit() {
    return this.circuitFor();
  }

  private saw(state: CircuitState['state']): void {
    seen.set(this.key, { state, at: Date.now() });
  }
}
