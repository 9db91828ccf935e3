import { DurableObject } from 'cloudflare:workers';
import { admit, CLOSED, record, summary, type CircuitState, type Outcomes } from '../../core/policy/circuit';
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
    const next = record(this.load(), outcome, Date.now());
    this.save(next);
    return next.state;
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
