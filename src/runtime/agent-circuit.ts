import { DurableObject } from 'cloudflare:workers';
import { admit, CLOSED, record, summary, type CircuitState } from '../core/policy/circuit';
import type { AppEnv } from '../env';

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

  /** Asks to call the agent now. @returns whether the call may go, else how long to wait (ms). */
  async acquire(): Promise<{ allowed: boolean; retryAfterMs?: number }> {
    const { state, allowed, retryAfterMs } = admit(this.load(), Date.now());
    this.save(state);
    return { allowed, retryAfterMs };
  }

  /** Records whether a call succeeded (failures are the agent's: network, timeouts, 5xx, 429). */
  async record(ok: boolean): Promise<void> {
    this.save(record(this.load(), ok, Date.now()));
  }

  /** State, calls and failure rate in the current window. */
  async status() {
    return summary(this.load(), Date.now());
  }
}
