import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { AlertEvent, Run, WorkflowAnalytics } from '../../src/schemas/api';
import { api, eventually, putAgent, putWorkflow, startRun } from '../support/helpers';

async function script(name: string, turns: unknown[]): Promise<void> {
  const res = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ turns }),
  });
  expect(res.ok).toBe(true);
}
const judgeLog = async (name: string) =>
  (await (await fetch(`${env.TEST_AGENT_URL}/model/log/${name}`)).json()) as { messages: { content: string }[] }[];

/** A run once its evaluation is complete. */
async function evaluated(runId: string): Promise<Run> {
  return eventually(async () => {
    const run = (await (await api(`/runs/${runId}`)).json()) as Run;
    return run.evaluation?.complete ? run : null;
  }, 20_000);
}

describe('evaluate:', () => {
  it('refuses scorers that could never work, at their path', async () => {
    const res = await api('/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: `name: bad-eval
steps: [ { id: s, sleep: 1ms } ]
evaluate:
  - { name: broken, expression: "output +" }
  - { name: reads, expression: "secrets.key" }
  - { name: shape, schema: { $ref: "#/$defs/missing" } }
  - { name: judge, agent: no-such-judge, rubric: "Good?" }
`,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { issues: { path: string }[] } } };
    expect(body.error.details.issues.map((i) => i.path)).toEqual([
      'evaluate[0].expression',
      'evaluate[1].expression',
      'evaluate[2].schema',
      'evaluate[3].agent',
    ]);
  });

  it('scores runs with a JSONata expression, a schema and an LLM judge; a falling trend raises one quality_drop', async () => {
    await script('judge-80', [{ content: '{"score": 80, "reasons": "Clear, but thin on sources."}' }]);
    await putAgent('eval-judge', {
      provider: 'openai',
      config: {
        baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`,
        model: 'judge-80',
        apiKeySecret: 'LLM_KEY',
        pricePerMillionTokens: { input: 2, output: 10 },
      },
    });
    await putAgent('eval-echo', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'graded',
      `name: graded
owners: [quality@example.com]
inputs: { quality: { type: number } }
steps:
  - { id: write, agent: eval-echo, input: "{{ inputs.quality }}" }
output: "{{ { 'quality': inputs.quality, 'text': write.output } }}"
evaluate:
  - { name: quality, expression: "output.quality" }
  - { name: shape, schema: { type: object, required: [quality, text] } }
  - { name: judge, agent: eval-judge, rubric: "Is the text clear and sourced?" }
`,
    );
    const put = await api('/alerts/graded-drop', {
      method: 'PUT',
      body: JSON.stringify({ type: 'quality_drop', workflow: 'graded', window: 3, tolerance: 10 }),
    });
    expect(put.status).toBe(201);

    const first = await evaluated(await startRun('graded', { quality: 100 }));
    expect(first.status).toBe('completed');
    const scores = Object.fromEntries(first.evaluation!.scores.map((s) => [s.scorer, s]));
    expect(scores.quality).toMatchObject({ score: 100, error: null });
    expect(scores.shape).toMatchObject({ score: 100, reasons: 'the output matches the schema' });
    expect(scores.judge).toMatchObject({ score: 80, reasons: 'Clear, but thin on sources.' });
    expect(first.evaluation).toMatchObject({ score: (100 + 100 + 80) / 3, grade: 'excellent', complete: true });
    // The judge read the rubric and the run's output.
    const prompt = JSON.stringify((await judgeLog('judge-80')).at(-1)!.messages);
    expect(prompt).toContain('Is the text clear and sourced?');
    expect(prompt).toContain('quality');

    // Five more good runs, then a fall: the mean of the last 3 drops more than 10 below the 3 before.
    const qualities = [100, 100, 100, 100, 100, 40, 40, 40, 40, 40];
    const graded: Run[] = [first];
    for (const quality of qualities.slice(1)) graded.push(await evaluated(await startRun('graded', { quality })));
    expect(graded.map((r) => r.evaluation!.grade)).toEqual([...Array(5).fill('excellent'), ...Array(5).fill('fair')]);
    const drops = await eventually(async () => {
      const res = await api('/alerts/events?rule=graded-drop');
      const { events } = (await res.json()) as { events: AlertEvent[] };
      return events.length ? events : null;
    });
    // Raised once, by the run that tipped the average (the second low one), not by the ones after.
    await new Promise((r) => setTimeout(r, 300));
    const all = ((await (await api('/alerts/events?rule=graded-drop')).json()) as { events: AlertEvent[] }).events;
    expect(all).toHaveLength(1);
    expect(drops[0]).toMatchObject({ type: 'quality_drop', workflow: 'graded', runId: graded[6]!.id, notified: true });
    expect(drops[0]!.message).toMatch(/mean score of the last 3 runs fell to \d+\.\d from 93\.3/);
    expect(drops[0]!.deliveries).toEqual([
      expect.objectContaining({ channel: 'email', to: 'quality@example.com', status: 'sent' }),
    ]);

    // Analytics carry the trend: the mean score of the span.
    const stats = (await (await api('/analytics/workflows/graded')).json()) as WorkflowAnalytics;
    const means = graded.map((r) => r.evaluation!.score!);
    expect(stats.totals.scoreMean).toBeCloseTo(means.reduce((a, b) => a + b, 0) / means.length, 6);
  }, 120_000);

  it('records a scorer that cannot score as an error, and grades by the others', async () => {
    await putAgent('eval-echo', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'graded-odd',
      `name: graded-odd
steps: [ { id: write, agent: eval-echo, input: "hello" } ]
evaluate:
  - { name: words, expression: "output" }
  - { name: long, expression: "$length(output) > 3" }
`,
    );
    const run = await evaluated(await startRun('graded-odd'));
    const byName = Object.fromEntries(run.evaluation!.scores.map((s) => [s.scorer, s]));
    expect(byName.words).toMatchObject({ score: null });
    expect(byName.words!.error).toContain('not a number 0–100 or a boolean');
    expect(byName.long).toMatchObject({ score: 100 });
    expect(run.evaluation).toMatchObject({ score: 100, grade: 'excellent' });
  });
});
