import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

/** Steps that select their agent by skill (`agent: { skill, prefer }`), against the HTTP test agents. */

const priced = (route: string, perCall: number, skills: string[], extra: Record<string, unknown> = {}) => ({
  provider: 'http',
  config: { url: `${env.TEST_AGENT_URL}/agents/${route}` },
  capabilities: { skills, domain: 'marketing' },
  pricing: { per_call: perCall },
  ...extra,
});

const workflow = (name: string, agent: string) => `name: ${name}
steps:
  - id: sum
    agent: ${agent}
    input: "the quarterly numbers"
    retry: { max_attempts: 2, backoff: none, initial_interval: 10ms }
`;

describe('selection by skill', () => {
  it('calls the cheapest; when it fails for good, the next cheapest; the history names both', async () => {
    await putAgent('sel-cheap', priced('status/503', 0.001, ['condense']));
    await putAgent('sel-mid', priced('tag/sel-mid', 0.002, ['condense']));
    await putAgent('sel-dear', priced('tag/sel-dear', 0.003, ['condense']));
    await putAgent('sel-other', priced('tag/sel-other', 0.0001, ['translate']));
    await putAgent('sel-retired', priced('tag/sel-retired', 0.00001, ['condense'], { status: 'deprecated' }));
    await putWorkflow('sel-cheapest', workflow('sel-cheapest', '{ skill: condense, prefer: cheapest }'));
    const run = await waitForRun(await startRun('sel-cheapest'));
    expect(run.status).toBe('completed');
    const step = run.steps[0]!;
    expect(step.output).toBe('sel-mid: the quarterly numbers');
    expect(step.agent).toBe('sel-mid');
    expect(step.history.map((a) => [a.attempt, a.agent, a.status])).toEqual([
      [1, 'sel-cheap', 'failed'],
      [2, 'sel-cheap', 'failed'],
      [3, 'sel-mid', 'succeeded'],
    ]);
    expect(step.history[0]!.selection).toMatchObject({
      agent: 'sel-cheap',
      candidates: ['sel-cheap', 'sel-mid', 'sel-dear'],
    });
    expect(step.history[0]!.selection!.reason).toContain('cheapest of 3 with skill condense ($0.001 per call)');
    expect(step.history[2]!.selection!.reason).toContain('after sel-cheap failed');
    // The D1 mirror records the choice per attempt, so the agents' statistics count each one.
    const rows = await env.DB.prepare(
      'SELECT attempt, agent, selection FROM step_attempts WHERE run_id = ? ORDER BY attempt',
    )
      .bind(run.id)
      .all<{ attempt: number; agent: string; selection: string }>();
    expect(rows.results.map((r) => [r.agent, JSON.parse(r.selection).agent])).toEqual([
      ['sel-cheap', 'sel-cheap'],
      ['sel-cheap', 'sel-cheap'],
      ['sel-mid', 'sel-mid'],
    ]);
  });

  it('fails with no_agent when no active agent has the skill, and filters by domain', async () => {
    await putAgent(
      'dom-sales',
      priced('tag/dom-sales', 0.5, ['pitch'], { capabilities: { skills: ['pitch'], domain: 'sales' } }),
    );
    await putWorkflow('sel-none', workflow('sel-none', '{ skill: pitch, domain: marketing }'));
    const none = await waitForRun(await startRun('sel-none'));
    expect(none.status).toBe('failed');
    expect(none.steps[0]!.error).toMatchObject({ code: 'no_agent', retryable: false });
    expect(none.steps[0]!.error!.message).toContain('no active agent has the skill pitch in domain marketing');
    await putWorkflow('sel-sales', workflow('sel-sales', '{ skill: pitch, domain: sales, prefer: fastest }'));
    const sales = await waitForRun(await startRun('sel-sales'));
    expect(sales.status).toBe('completed');
    expect(sales.steps[0]!.history[0]!.selection!.reason).toMatch(/^fastest of 1 with skill pitch/);
  });

  it('fails naming every agent tried when all candidates fail', async () => {
    await putAgent('all-a', priced('status/503', 0.001, ['doomed']));
    await putAgent('all-b', priced('status/502', 0.002, ['doomed']));
    await putWorkflow('sel-doomed', workflow('sel-doomed', '{ skill: doomed }'));
    const run = await waitForRun(await startRun('sel-doomed'));
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.history.map((a) => a.agent)).toEqual(['all-a', 'all-a', 'all-b', 'all-b']);
    expect(run.steps[0]!.error!.message).toContain('every agent with skill doomed failed: all-a, all-b');
    const res = await api(`/runs/${run.id}`);
    expect(res.status).toBe(200);
  });
});
