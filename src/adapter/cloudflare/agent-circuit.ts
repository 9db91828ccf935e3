import { DurableObject } from 'cloudflare:workers';
import { admit, CLOSED, record, summary, type CircuitState, type Outcomes } from '../../core/policy/circuit';
import { alertOnCircuitOpen } from './alerts/checks';
import type { AppEnv } from './env';

/**
 * One Durable Object per agent (named `<tenant>:<agent>`): the agent's circuit breaker, shared by
 * every run. The policy is the pure one in core/policy/circuit.
 */
export class AgentCircuit extends DurableObject<AppEnv> {
  private load(): CircuitState {
    return this.ctx.storage.kv.get<CircuitState>('circuit') ?? CLOSED;
  }

  private save(state: CircuitState): void {
    this.ctx.storage.kv.put('circuit', state);
  }

  /**
   * Asks to call the agent now.
   * @returns whether the call may go, else how long to wait (ms); and the circuit's state after.
   */
  async acquire(): Promise<{ allowed: boolean; retryAfterMs?: number; state: CircuitState['state'] }> {
    const { state, allowed, retryAfterMs } = admit(this.load(), Date.now());
    this.save(state);
    return { allowed, retryAfterMs, state: state.state };
  }

  /**
   * Records whether calls succeeded (failures are the agent's: network, timeouts, 5xx, 429): the
   * half-open probe's outcome (a boolean), or counts batched by a consumer.
   * @returns the circuit's state after.
   */
  async record(outcome: boolean | Outcomes): Promise<CircuitState['state']> {
    const before = this.load();
    const next = record(before, outcome, Date.now());
    this.save(next);
    // A failed half-open probe reopens it: that is the same outage, alerted once. Not awaited: a
    // slow alert webhook must not hold up the callers that report outcomes.
    if (next.state === 'open' && before.state === 'closed') this.ctx.waitUntil(this.opened(before, outcome));
    return next.state;
  }

  /** Raises the `circuit_open` alerts of the agent's tenant; a failure to is logged, never the caller's. */
  private async opened(before: CircuitState, outcome: boolean | Outcomes): Promise<void> {
    const name = this.ctx.id.name ?? '';
    const cut = name.indexOf(':');
    if (cut < 0) return; // an object reached by id, not by `<tenant>:<agent>`: nobody to tell
    const now = Date.now();
    // Opening empties the window: the counts are those before, and the batch that opened it.
    const seen = summary(before, now);
    const batch = typeof outcome === 'boolean' ? { ok: 0, failed: 0 } : outcome;
    const calls = seen.calls + batch.ok + batch.failed;
    const failed = Math.round(seen.failureRate * seen.calls) + batch.failed;
    const detail = calls
      ? `${Math.round((failed / calls) * 100)} % of its ${calls} recent calls failed; calls wait until it half-opens`
      : 'its calls failed too often; calls wait until it half-opens';
    await alertOnCircuitOpen(this.env, name.slice(0, cut), name.slice(cut + 1), detail, now).catch((err) =>
      console.error(`circuit ${name}: circuit_open alert not raised`, err),
    );
  }

  /** Deletes everything this object stores (its tenant is deleted); it answers as new after its next start. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** State, calls and failure rate in the current window. */
  async status() {
    return summary(this.load(), Date.now());
  }
}
