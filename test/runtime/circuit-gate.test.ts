import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { circuitOf } from '../../src/env';
import { CircuitGate, SUCCESS_BATCH_MS } from '../../src/runtime/circuit-gate';

/** The agent's real AgentCircuit, with its `record` calls counted. */
function countedCircuit(agent: string) {
  const real = circuitOf(env, 'default', agent);
  const records: unknown[] = [];
  return { records, circuitFor: () => ({ acquire: () => real.acquire(), record: (outcome: Parameters<typeof real.record>[0]) => (records.push(outcome), real.record(outcome)) }) };
}

describe('circuit gate', () => {
  it(`sends steady successes once per ${SUCCESS_BATCH_MS} ms, and every one reaches the circuit`, async () => {
    const { records, circuitFor } = countedCircuit('gate-steady');
    const sends: Promise<unknown>[] = [];
    const gate = new CircuitGate(env, 'default', 'gate-steady', (p) => sends.push(p), circuitFor);
    const started = Date.now();
    let successes = 0;
    while (Date.now() - started < 3 * SUCCESS_BATCH_MS) {
      await gate.record(true);
      successes++;
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    // One call per interval (3 intervals, plus the one for the last interval's successes).
    expect(records.length).toBeLessThanOrEqual(4);
    expect((records as { ok: number }[]).reduce((sum, r) => sum + r.ok, 0)).toBe(successes);
    expect(await circuitOf(env, 'default', 'gate-steady').status()).toMatchObject({ state: 'closed', calls: successes, failureRate: 0 });
  });

  it('records a failure before the caller goes on, and a closed circuit seen lately lets calls through without asking', async () => {
    const { records, circuitFor } = countedCircuit('gate-failing');
    const gate = new CircuitGate(env, 'default', 'gate-failing', () => undefined, circuitFor);
    expect(await gate.acquire()).toEqual({ allowed: true, retryAfterMs: undefined });
    await gate.record(false);
    expect(records).toEqual([false]);
    expect((await circuitOf(env, 'default', 'gate-failing').status()).calls).toBe(1);
    expect(await gate.acquire()).toEqual({ allowed: true });
  });
});
