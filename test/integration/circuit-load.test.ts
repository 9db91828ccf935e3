import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/core/policy/retry';
import { chaosFails } from '../support/chaos';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  startRun,
  waitForRun,
  type RunBody,
} from '../support/helpers';

/**
 * The circuit breaker under transient failures that independent retries ride out: it must stay
 * closed, so exactly the runs the retries let through complete. The scripted `chaos` agent
 * (test/support/chaos.ts) fails the same calls at every test run, so the test knows that number.
 * Every step has the default retry (3 attempts, exponential backoff from 1 s with full jitter).
 */
const ATTEMPTS = DEFAULT_RETRY.max_attempts;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Whether a step gets through within its attempts, given the agent's script. */
const getsThrough = (percent: number, input: unknown, stepId: string) =>
  range(ATTEMPTS).some((a) => !chaosFails(percent, input, stepId, a + 1));
/** How many calls a step that gets through makes, given the agent's script. */
const callsOf = (percent: number, input: unknown, stepId: string) =>
  1 + range(ATTEMPTS).findIndex((a) => !chaosFails(percent, input, stepId, a + 1));
const circuit = async (agent: string) =>
  ((await (await api(`/agents/${agent}`)).json()) as { circuit: { state: string; calls: number; failureRate: number } })
    .circuit;

/**
 * Waits until the workflow's runs (those of `runIds`) have ended, by the D1 mirror polled lightly
 * (the runs go on meanwhile), then reads each once and counts them by status and error code.
 */
async function outcomes(
  workflow: string,
  runIds: string[],
  timeoutMs: number,
): Promise<{ runs: RunBody[]; byStatus: Record<string, number>; byError: Record<string, number> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ended = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM runs WHERE workflow_name = ? AND status IN ('completed', 'failed', 'cancelled')",
    )
      .bind(workflow)
      .first<number>('n');
    if (ended === runIds.length) break;
    if (Date.now() > deadline)
      throw new Error(`${runIds.length - (ended ?? 0)} of ${runIds.length} runs did not end within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const runs: RunBody[] = [];
  for (const id of runIds) runs.push(await waitForRun(id));
  const count = (keys: string[]) => {
    const n: Record<string, number> = {};
    for (const k of keys) n[k] = (n[k] ?? 0) + 1;
    return n;
  };
  return {
    runs,
    byStatus: count(runs.map((r) => r.status)),
    byError: count(runs.flatMap((r) => (r.error ? [r.error.code] : []))),
  };
}

describe('circuit breaker under transient failures', () => {
  it('30 % transient 503s: the breaker stays closed and the 100 five-step runs complete as independent retries predict', {
    timeout: 150_000,
  }, async () => {
    await putAgent('chaos-503', httpAgent('chaos/30/503'));
    const stepIds = range(5).map((s) => `s${s + 1}`);
    const steps = stepIds.map((id) => `  - { id: ${id}, agent: chaos-503, input: "{{ inputs.i }}" }`).join('\n');
    await putWorkflow('chaos-chain', `name: chaos-chain\ninputs:\n  i: { type: number }\nsteps:\n${steps}`);
    const predicted = range(100).filter((i) => stepIds.every((s) => getsThrough(30, i, s))).length;
    expect(predicted).toBeGreaterThanOrEqual(85); // this script's sample: 1 − 0.3³ per step, ≈ 87 runs of 100

    const runIds = await Promise.all(range(100).map((i) => startRun('chaos-chain', { i })));
    const { byStatus, byError } = await outcomes('chaos-chain', runIds, 120_000);
    const after = await circuit('chaos-503');
    const seen = JSON.stringify({ byStatus, byError, circuit: after });
    expect(byError.circuit_open ?? 0, seen).toBe(0);
    expect(byStatus.completed, seen).toBe(predicted);
    expect(after.state).toBe('closed');
    expect(after.failureRate).toBeGreaterThan(0.2);
    expect(after.failureRate).toBeLessThan(0.4);
  });

  it('a 1,000-branch parallel block with 5 % connection resets completes, the breaker closed', {
    timeout: 150_000,
  }, async () => {
    await putAgent('chaos-reset', httpAgent('chaos/5/reset'));
    const branches = range(1000).map((b) => `b${b}`);
    const children = branches.map((id) => `      - { id: ${id}, agent: chaos-reset, input: x }`).join('\n');
    await putWorkflow('chaos-wide', `name: chaos-wide\nsteps:\n  - id: all\n    parallel:\n${children}`);
    const resetFirst = branches.filter((b) => chaosFails(5, 'x', b, 1)).length;
    expect(resetFirst).toBeGreaterThanOrEqual(30); // the script resets about 50 first calls
    expect(branches.every((b) => getsThrough(5, 'x', b))).toBe(true);

    const { runs, byError } = await outcomes('chaos-wide', [await startRun('chaos-wide')], 50_000);
    expect(runs[0], JSON.stringify({ byError, circuit: await circuit('chaos-reset') })).toMatchObject({
      status: 'completed',
      error: null,
    });
    expect(runs[0]!.steps.filter((s) => s.attempts > 1).length).toBe(resetFirst);
    // Every call's outcome reaches the circuit, the last ones within a batch interval of the run's end.
    const calls = branches.reduce((n, b) => n + callsOf(5, 'x', b), 0);
    const after = await eventually(async () => {
      const c = await circuit('chaos-reset');
      return c.calls === calls ? c : null;
    }, 2_000);
    expect(after.state).toBe('closed');
  });
});
