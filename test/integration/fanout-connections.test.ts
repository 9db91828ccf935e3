import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { callCounts, callPeaks, MAX_CALLS_PER_INVOCATION } from '../../src/adapter/cloudflare/call-limiter';
import { putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

type Barrier = { open: number; max: number; calls: number; reached: boolean };

const BRANCHES = 100;
/** The agent answers once this many of its calls are open at the same time. */
const OPEN_REQUIRED = 90;
/** Else each call answers after this long, ms: 17 rounds of six would take over a minute. */
const HOLD_MS = 5_000;

describe('a 100-branch fan-out under the six-connection limit', () => {
  it('reaches ≥ 90 concurrent agent calls while no invocation holds more than 6 in flight', async () => {
    await putAgent('barrier', {
      provider: 'http',
      config: { url: `${env.TEST_AGENT_URL}/agents/barrier/fan/${OPEN_REQUIRED}/${HOLD_MS}` },
    });
    const branches = Array.from({ length: BRANCHES }, (_, i) => `      - { id: b${i}, agent: barrier, input: "${i}" }`);
    await putWorkflow('fan-wide', `name: fan-wide\nsteps:\n  - id: all\n    parallel:\n${branches.join('\n')}\n`);
    const before = new Set(callPeaks().keys());
    const countsBefore = new Map(callCounts());
    const run = await waitForRun(await startRun('fan-wide'), 30_000);
    expect(run.status).toBe('completed');
    const seen = (await (await fetch(`${env.TEST_AGENT_URL}/barrier/fan`)).json()) as Barrier;
    expect(seen).toMatchObject({ calls: BRANCHES, reached: true });
    expect(seen.max).toBeGreaterThanOrEqual(OPEN_REQUIRED);
    // Every invocation that executed these calls (the lane, the consumer, each executor) held at most six.
    const peaks = [...callPeaks()].filter(([name]) => !before.has(name));
    expect(Math.max(...peaks.map(([, peak]) => peak))).toBeLessThanOrEqual(MAX_CALLS_PER_INVOCATION);
    const executors = peaks.filter(([name]) => name.startsWith('executor:'));
    // Every call the agent saw went through a limiter (none bypassed the cap): the limiters let through exactly 100.
    const through = [...callCounts()].reduce((sum, [name, n]) => sum + n - (countsBefore.get(name) ?? 0), 0);
    expect(through).toBe(BRANCHES);
    // 99 attempts beyond the lane, handed out in chunks of six: spread over many invocations, not one.
    expect(executors.length).toBeGreaterThanOrEqual(Math.ceil((BRANCHES - 1) / MAX_CALLS_PER_INVOCATION) - 2);
    expect(peaks.reduce((sum, [, peak]) => sum + peak, 0)).toBeGreaterThanOrEqual(OPEN_REQUIRED);
  }, 60_000);
});
