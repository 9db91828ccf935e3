import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CircuitState } from '../../../src/core/policy/circuit';
import { circuitOf } from '../../../src/adapter/cloudflare/env';
import {
  CircuitGate,
  GATE_CACHE_MAX,
  OUTCOME_BATCH_MS,
  STALE_SEND_MS,
} from '../../../src/adapter/cloudflare/circuit-gate';

/** The agent's real AgentCircuit, with its `record` calls counted. */
function countedCircuit(agent: string) {
  const real = circuitOf(env, 'default', agent);
  const records: unknown[] = [];
  /** When each `record` call was made (epoch ms). */
  const times: number[] = [];
  return {
    records,
    times,
    circuitFor: () => ({
      acquire: () => real.acquire(),
      record: (outcome: Parameters<typeof real.record>[0]) => {
        records.push(outcome);
        times.push(Date.now());
        return real.record(outcome);
      },
    }),
  };
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('circuit gate', () => {
  it(`sends steady successes once per ${OUTCOME_BATCH_MS} ms, and every one reaches the circuit`, async () => {
    const { records, times, circuitFor } = countedCircuit('gate-steady');
    const sends: Promise<unknown>[] = [];
    const gate = new CircuitGate(env, 'default', 'gate-steady', (p) => sends.push(p), circuitFor);
    // A fixed number of successes, one every 25 ms: about 3 intervals' worth, however slow the machine.
    const SUCCESSES = 30;
    const started = Date.now();
    for (let i = 0; i < SUCCESSES; i++) {
      await gate.record(true);
      await pause(25);
    }
    await Promise.all(sends);
    const elapsed = Date.now() - started;
    // Batched: the first send waits one interval, and consecutive sends are at least one interval apart.
    expect(times[0]! - started).toBeGreaterThanOrEqual(OUTCOME_BATCH_MS - 5);
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!, `send ${i}`).toBeGreaterThanOrEqual(OUTCOME_BATCH_MS - 5);
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(records.length).toBeLessThanOrEqual(Math.ceil(elapsed / OUTCOME_BATCH_MS));
    expect((records as { ok: number; failed: number }[]).reduce((sum, r) => sum + r.ok, 0)).toBe(SUCCESSES);
    expect(await circuitOf(env, 'default', 'gate-steady').status()).toMatchObject({
      state: 'closed',
      calls: SUCCESSES,
      failureRate: 0,
    });
  });

  it('sends failures with the successes of the same interval, so 30 % failures show as 30 % and the circuit stays closed', async () => {
    const { records, circuitFor } = countedCircuit('gate-mixed');
    const sends: Promise<unknown>[] = [];
    const gate = new CircuitGate(env, 'default', 'gate-mixed', (p) => sends.push(p), circuitFor);
    // 3 failures in every 10 calls, the failures after the successes (as a busy agent answers them).
    for (let i = 0; i < 100; i++) {
      await gate.record(![2, 5, 8].includes(i % 10));
      await pause(2);
    }
    await Promise.all(sends);
    expect(await circuitOf(env, 'default', 'gate-mixed').status()).toMatchObject({
      state: 'closed',
      calls: 100,
      failureRate: 0.3,
    });
    expect(records.every((r) => typeof r === 'object')).toBe(true);
    expect(records.length).toBeLessThan(10);
  });

  it('tells the circuit the calls it let through, so fast failures among calls in flight do not open it', async () => {
    const agent = 'gate-inflight';
    const sends: Promise<unknown>[] = [];
    const gates = Array.from({ length: 100 }, () => new CircuitGate(env, 'default', agent, (p) => sends.push(p)));
    for (const g of gates) expect((await g.acquire()).allowed).toBe(true);
    // The first ten calls fail at once (connection resets); the other ninety are still in flight.
    for (const g of gates.slice(0, 10)) await g.record(false);
    await Promise.all(sends);
    expect(await circuitOf(env, 'default', agent).status()).toMatchObject({
      state: 'closed',
      calls: 10,
      failureRate: 1,
      inFlight: 90,
    });
    await gates[10]!.record(null); // abandoned by its run: no outcome, no longer in flight
    await Promise.all(sends);
    expect((await circuitOf(env, 'default', agent).status()).inFlight).toBe(89);
  });

  it('a closed circuit seen lately lets calls through without asking', async () => {
    let asked = 0;
    const real = circuitOf(env, 'default', 'gate-trusted');
    const gate = new CircuitGate(
      env,
      'default',
      'gate-trusted',
      () => undefined,
      () => ({
        acquire: () => {
          asked++;
          return real.acquire();
        },
        record: (o) => real.record(o),
      }),
    );
    expect(await gate.acquire()).toEqual({ allowed: true, retryAfterMs: undefined });
    expect(await gate.acquire()).toEqual({ allowed: true });
    expect(asked).toBe(1);
  });

  it("reports the half-open probe's outcome alone and at once; batched outcomes of older calls do not decide it", async () => {
    const agent = 'gate-probe';
    const stub = circuitOf(env, 'default', agent);
    await stub.record({ ok: 0, failed: 5 });
    // The circuit opened long enough ago for a probe.
    await runInDurableObject(stub, (_obj, state) => {
      const open = state.storage.kv.get<CircuitState>('circuit')!;
      state.storage.kv.put('circuit', { ...open, openedAt: Date.now() - 60_000 });
    });
    const { records, circuitFor } = countedCircuit(agent);
    const probe = new CircuitGate(env, 'default', agent, () => undefined, circuitFor);
    expect((await probe.acquire()).allowed).toBe(true);
    expect(await stub.record({ ok: 3, failed: 4 })).toBe('half_open');
    await probe.record(true);
    expect(records).toEqual([true]);
    expect((await stub.status()).state).toBe('closed');
  });

  it('a send loop that stopped making progress (its invocation ended) does not keep later outcomes from the circuit', async () => {
    const agent = 'gate-stuck';
    const real = circuitOf(env, 'default', agent);
    // This loop's send never returns, as when the invocation that ran it was torn down.
    const stuck = new CircuitGate(
      env,
      'default',
      agent,
      () => undefined,
      () => ({ acquire: () => real.acquire(), record: () => new Promise<never>(() => {}) }),
    );
    await stuck.record(true);
    await pause(OUTCOME_BATCH_MS + STALE_SEND_MS + 100);
    const sends: Promise<unknown>[] = [];
    const later = new CircuitGate(env, 'default', agent, (p) => sends.push(p));
    await later.record(false);
    await later.record(true);
    expect(sends.length).toBe(1);
    await Promise.all(sends);
    expect(await real.status()).toMatchObject({ calls: 2, failureRate: 0.5 });
  });

  it(`remembers closed circuits of at most ${GATE_CACHE_MAX} agents: the least recently seen is asked again`, async () => {
    const asked: string[] = [];
    // A circuit that answers `closed` at once (no AgentCircuit object per agent), counting the questions.
    const gateOf = (agent: string) =>
      new CircuitGate(
        env,
        'default',
        agent,
        () => undefined,
        () =>
          ({
            acquire: async () => {
              asked.push(agent);
              return { allowed: true, state: 'closed' };
            },
            record: async () => 'closed',
          }) as unknown as ReturnType<typeof circuitOf>,
      );
    const first = gateOf('gate-lru-0');
    await first.acquire();
    for (let i = 1; i <= GATE_CACHE_MAX; i++) await gateOf(`gate-lru-${i}`).acquire();
    expect(asked).toHaveLength(GATE_CACHE_MAX + 1);
    // Within the trust interval, yet forgotten: the cache holds the last GATE_CACHE_MAX agents only.
    await first.acquire();
    expect(asked.at(-1)).toBe('gate-lru-0');
    await gateOf(`gate-lru-${GATE_CACHE_MAX}`).acquire();
    expect(asked).toHaveLength(GATE_CACHE_MAX + 2);
  });
});
