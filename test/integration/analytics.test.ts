import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentAnalytics, Run, WorkflowAnalytics, WorkflowsAnalytics } from '../../src/schemas/api';
import { api, apiAs, eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

const STATS = `name: stats
steps:
  - id: fetch
    agent: stats-flaky
    input: "{{ inputs.n }}"
    retry: { max_attempts: 2, backoff: none, initial_interval: 10ms }
  - { id: check, agent: stats-broken, if: "{{ inputs.fail }}", retry: { max_attempts: 1 } }
  - id: sign
    if: "{{ inputs.ask }}"
    approval: { assignees: [lead@example.com], message: "Sign run {{ inputs.n }}?" }
  - { id: send, agent: stats-tag, input: "{{ fetch.output }}" }
`;

/** Nearest-rank percentile, written again here so the test does not trust the code under test. */
function nearestRank(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

let runs: Run[] = [];
let from = '';

beforeAll(async () => {
  from = new Date(Date.now() - 60_000).toISOString();
  await putAgent('stats-flaky', httpAgent('flaky/1'));
  await putAgent('stats-broken', httpAgent('status/400'));
  await putAgent('stats-tag', httpAgent('tag/S'));
  await putWorkflow('stats', STATS);
  // 20 runs with known outcomes: every fifth fails at `check`, every fourth (others) asks a person.
  const ids: string[] = [];
  for (let n = 0; n < 20; n++)
    ids.push(await startRun('stats', { n, fail: n % 5 === 0, ask: n % 5 !== 0 && n % 4 === 1 }));
  const asks = ids.filter((_, n) => n % 5 !== 0 && n % 4 === 1);
  for (const runId of asks) {
    const approval = await eventually(async () => {
      const list = (await (await api('/approvals?status=pending')).json()) as { id: string; runId: string }[];
      return list.find((a) => a.runId === runId);
    });
    const res = await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', by: 'lead@example.com' }),
    });
    expect(res.status).toBe(200);
  }
  runs = [];
  for (const id of ids) runs.push(await waitForRun(id, 30_000));
  // Facts are written by the outbox right after the run ends.
  await eventually(async () => {
    const body = (await (await api(`/analytics/workflows/stats?from=${from}`)).json()) as WorkflowAnalytics;
    return body.totals.runs === 20 ? body : null;
  }, 15_000);
}, 120_000);

describe('analytics', () => {
  it('after 20 runs the rollups equal a direct computation over GET /api/runs/:id', async () => {
    const res = await api(`/analytics/workflows/stats?from=${from}&bucket=hour`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as WorkflowAnalytics;
    const completed = runs.filter((r) => r.status === 'completed').length;
    const failed = runs.filter((r) => r.status === 'failed').length;
    expect([completed, failed]).toEqual([16, 4]);
    const durations = runs.map((r) => ms(r.endedAt) - ms(r.startedAt));
    const ran = runs.flatMap((r) => r.steps.filter((s) => s.attempts > 0)); // cancelled before running: not counted
    const cost = sum(runs.map((r) => r.usage?.costUsd ?? 0));
    expect(cost).toBeGreaterThan(0);
    expect(body.totals).toMatchObject({
      runs: 20,
      completed,
      failed,
      cancelled: 0,
      successRate: completed / 20,
      durationP50Ms: nearestRank(durations, 50),
      durationP95Ms: nearestRank(durations, 95),
      retries: sum(ran.map((s) => s.attempts - 1)),
      inputTokens: sum(runs.map((r) => r.usage?.inputTokens ?? 0)),
      outputTokens: sum(runs.map((r) => r.usage?.outputTokens ?? 0)),
      approvalsPerRun: 4 / 20,
      interventionRate: 4 / 20,
    });
    expect(body.totals.retries).toBe(20);
    expect(body.totals.costUsd).toBeCloseTo(cost, 9);
    expect(body.totals.decideMeanMs).toBeGreaterThanOrEqual(0);
    // Buckets cover the span and add up to the totals.
    expect(sum(body.buckets.map((b) => b.runs))).toBe(20);
    expect(body.buckets.every((b) => Date.parse(b.start) % 3_600_000 === 0)).toBe(true);
    // Per step: instances, failure rate and latency percentiles over the step instances that ran.
    for (const id of ['fetch', 'check', 'send']) {
      const own = ran.filter((s) => s.id === id);
      const latency = own.map((s) => ms(s.endedAt) - ms(s.startedAt));
      expect(body.steps.find((s) => s.step === id)).toEqual(
        expect.objectContaining({
          instances: own.length,
          failureRate: own.filter((s) => s.status === 'failed').length / own.length,
          p50Ms: nearestRank(latency, 50),
          p95Ms: nearestRank(latency, 95),
          retries: sum(own.map((s) => s.attempts - 1)),
        }),
      );
    }
    expect(body.steps.find((s) => s.step === 'check')).toMatchObject({ instances: 4, failureRate: 1 });
    expect(body.steps.find((s) => s.step === 'send')).toMatchObject({ instances: 16, failureRate: 0 });
  });

  it('per agent: the step instances each served, and the list across workflows', async () => {
    const flaky = (await (await api(`/analytics/agents/stats-flaky?from=${from}`)).json()) as AgentAnalytics;
    expect(flaky.totals).toMatchObject({ agent: 'stats-flaky', runs: 20, instances: 20, retries: 20, failureRate: 0 });
    const all = (await (await api(`/analytics/agents?from=${from}`)).json()) as { agents: { agent: string }[] };
    expect(all.agents.map((a) => a.agent)).toEqual(
      expect.arrayContaining(['stats-flaky', 'stats-broken', 'stats-tag']),
    );
    const workflows = (await (await api(`/analytics/workflows?from=${from}`)).json()) as WorkflowsAnalytics;
    expect(workflows.workflows.find((w) => w.workflow === 'stats')).toMatchObject({ runs: 20, successRate: 0.8 });
    expect(workflows.totals.runs).toBeGreaterThanOrEqual(20);
  });

  it('feedback counts on the runs it judges', async () => {
    const done = runs.find((r) => r.status === 'completed')!;
    const give = (rating: string) =>
      api(`/runs/${done.id}/feedback`, { method: 'POST', body: JSON.stringify({ rating }) });
    expect((await give('up')).status).toBe(201);
    expect((await give('down')).status).toBe(201);
    const body = (await (await api(`/analytics/workflows/stats?from=${from}`)).json()) as WorkflowAnalytics;
    expect(body.totals).toMatchObject({ feedbackUp: 1, feedbackDown: 1 });
  });

  it('refuses a span that is backwards or has too many buckets, naming the field', async () => {
    const back = await api(`/analytics/workflows?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(back.status).toBe(400);
    expect(await back.json()).toMatchObject({
      error: { code: 'bad_request', details: { issues: [{ path: 'query.from' }] } },
    });
    const wide = await api(`/analytics/agents?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=hour`);
    expect(wide.status).toBe(400);
    expect(await wide.json()).toMatchObject({ error: { details: { issues: [{ path: 'query.bucket' }] } } });
    const garbled = await api('/analytics/workflows?from=yesterday');
    expect(garbled.status).toBe(400);
  });

  it("another tenant's analytics show none of these runs", async () => {
    const made = await api('/tenants', { method: 'POST', body: JSON.stringify({ name: 'analytics-other' }) });
    expect(made.status).toBe(201);
    const other = apiAs(((await made.json()) as { key: { token: string } }).key.token);
    const res = await other(`/analytics/workflows/stats?from=${from}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as WorkflowAnalytics).totals.runs).toBe(0);
    const agents = (await (await other(`/analytics/agents?from=${from}`)).json()) as { agents: unknown[] };
    expect(agents.agents).toEqual([]);
  });
});
