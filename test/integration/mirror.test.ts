import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

interface AttemptRow {
  step_id: string;
  attempt: number;
  status: string;
  step_status: string;
  provider: string;
  error: string | null;
  input_tokens: number | null;
  cost_usd: number | null;
  dispatched_at: string;
  ended_at: string | null;
}
const attemptRows = async (runId: string, done: (rows: AttemptRow[]) => boolean) =>
  eventually(async () => {
    const { results } = await env.DB.prepare('SELECT * FROM step_attempts WHERE run_id = ? ORDER BY step_id, attempt')
      .bind(runId)
      .all<AttemptRow>();
    return done(results) ? results : null;
  });

beforeAll(async () => {
  await putAgent('mirror-echo', { provider: 'builtin', config: { tool: 'echo' } });
  await putAgent('mirror-tag', httpAgent('tag/M'));
  await putAgent('mirror-down', httpAgent('status/500'));
});

describe('the D1 mirror of step attempts', () => {
  it('writes every attempt of a 250-item foreach (more rows than one statement carries) with its fields', async () => {
    await putWorkflow(
      'mirror-wide',
      'name: mirror-wide\nsteps:\n  - id: each\n    foreach: "{{ [1..250] }}"\n    concurrency: 50\n    do: [ { id: echo, agent: mirror-echo, input: "{{ item }}" } ]',
    );
    const runId = await startRun('mirror-wide');
    expect((await waitForRun(runId, 30_000)).status).toBe('completed');
    const rows = await attemptRows(
      runId,
      (r) => r.length === 250 && r.every((a) => a.status === 'succeeded' && a.step_status === 'succeeded'),
    );
    expect(new Set(rows.map((r) => r.step_id)).size).toBe(250);
    expect(rows[0]).toMatchObject({ attempt: 1, provider: 'builtin', error: null, input_tokens: null });
    expect(Date.parse(rows[0]!.ended_at!)).toBeGreaterThanOrEqual(Date.parse(rows[0]!.dispatched_at));
  });

  it("keeps usage numbers and each failed attempt's error as JSON, and updates a row in place", async () => {
    await putWorkflow(
      'mirror-mixed',
      'name: mirror-mixed\nsteps:\n  - { id: ok, agent: mirror-tag, input: x }\n  - { id: bad, agent: mirror-down, input: y, retry: { max_attempts: 2, initial_interval: 10ms } }',
    );
    const runId = await startRun('mirror-mixed');
    expect((await waitForRun(runId)).status).toBe('failed');
    const rows = await attemptRows(runId, (r) => r.length === 3 && r.every((a) => a.ended_at !== null));
    expect(rows.map((r) => [r.step_id, r.attempt, r.status, r.step_status])).toEqual([
      ['bad', 1, 'failed', 'failed'],
      ['bad', 2, 'failed', 'failed'],
      ['ok', 1, 'succeeded', 'succeeded'],
    ]);
    expect(JSON.parse(rows[0]!.error!)).toMatchObject({ code: 'agent_error', retryable: true });
    expect(rows[2]).toMatchObject({ input_tokens: 1, cost_usd: 0.0001, provider: 'http' });
  });
});
