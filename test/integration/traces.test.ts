import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import type { OtlpSpan } from '../../src/core/otlp-json';
import { eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

/** A span as the test collector (test/node/otlp-collector.ts) keeps it: what was sent. */
type Span = OtlpSpan;
const collector = (path: string, init?: RequestInit) => fetch(`${env.TEST_AGENT_URL}/otlp/${path}`, init);
async function traceOf(runId: string, timeoutMs = 15_000): Promise<{ spans: Span[]; resource: Span['attributes'] }> {
  return eventually(async () => {
    const res = await collector(`runs/${runId}`);
    return res.ok ? ((await res.json()) as { spans: Span[]; resource: Span['attributes'] }) : null;
  }, timeoutMs);
}
const attr = (s: Span, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : v?.doubleValue);
};
async function script(name: string, turns: unknown[]): Promise<void> {
  const res = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ turns }),
  });
  expect(res.ok).toBe(true);
}

afterEach(async () => {
  await collector('down', { method: 'DELETE' });
});

describe('OpenTelemetry traces', () => {
  it('exports one trace per run: the run, its steps, attempts, model turns and tool calls', async () => {
    await script('trace-loop', [
      { tool_calls: [{ name: 'save_trace_note', arguments: { text: 'seen' } }], usage: { input: 120, output: 7 } },
      { content: 'Traced.', usage: { input: 200, output: 11 } },
    ]);
    await putAgent('trace-worker', {
      provider: 'openai',
      config: {
        baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`,
        model: 'trace-loop',
        apiKeySecret: 'LLM_KEY',
        pricePerMillionTokens: { input: 2, output: 10 },
      },
      tools: [
        {
          http: {
            name: 'save_trace_note',
            description: 'Saves a note',
            parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
            method: 'POST',
            url: `${env.TEST_AGENT_URL}/save/trace-note`,
            body: '{{ args.text }}',
          },
        },
      ],
    });
    await putAgent('trace-flaky', httpAgent('flaky/1'));
    await putWorkflow(
      'traced',
      `name: traced
steps:
  - { id: fetch, agent: trace-flaky, input: x, retry: { max_attempts: 2, backoff: none, initial_interval: 10ms } }
  - id: both
    parallel:
      - { id: think, agent: trace-worker, input: go }
      - { id: wait, sleep: 10ms }
`,
    );
    const run = await waitForRun(await startRun('traced'), 30_000);
    expect(run.status).toBe('completed');
    const { spans, resource } = await traceOf(run.id);
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'baton' } });

    // One trace; one root, the run, with its id and workflow.
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root.name).toBe('run traced');
    expect(attr(root, 'baton.run.id')).toBe(run.id);
    expect(attr(root, 'baton.workflow.name')).toBe('traced');
    expect(root.status.code).toBe(1);

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentName = (s: Span) => byId.get(s.parentSpanId!)?.name;
    const named = (name: string) => spans.filter((s) => s.name === name);
    // Steps under the run; a parallel block's steps under the block.
    expect(named('step fetch').map(parentName)).toEqual(['run traced']);
    expect(named('step both').map(parentName)).toEqual(['run traced']);
    expect(named('step think').map(parentName)).toEqual(['step both']);
    expect(named('step wait').map(parentName)).toEqual(['step both']);
    // Two attempts of the flaky step, the first failed.
    const fetches = spans.filter((s) => parentName(s) === 'step fetch');
    expect(fetches.map((s) => [attr(s, 'baton.attempt'), s.status.code])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    // The agent loop: its turns follow the GenAI conventions, with tokens; its tool call beside them.
    const [attempt] = spans.filter((s) => parentName(s) === 'step think');
    expect(attempt!.name).toBe('invoke_agent trace-worker');
    const children = spans.filter((s) => s.parentSpanId === attempt!.spanId);
    const turns = children.filter((s) => attr(s, 'gen_ai.operation.name') === 'chat');
    expect(
      turns.map((t) => [t.name, attr(t, 'gen_ai.usage.input_tokens'), attr(t, 'gen_ai.usage.output_tokens')]),
    ).toEqual([
      ['chat trace-loop', 120, 7],
      ['chat trace-loop', 200, 11],
    ]);
    expect(turns.every((t) => attr(t, 'gen_ai.request.model') === 'trace-loop' && t.kind === 3)).toBe(true);
    const [tool] = children.filter((s) => attr(s, 'gen_ai.operation.name') === 'execute_tool');
    expect(tool).toMatchObject({ name: 'execute_tool save_trace_note' });
    expect(attr(tool!, 'gen_ai.tool.name')).toBe('save_trace_note');
    // Children start and end within their parents.
    for (const s of spans) {
      expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano), s.name).toBe(true);
      const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      if (parent) expect(BigInt(s.startTimeUnixNano) >= BigInt(parent.startTimeUnixNano), s.name).toBe(true);
    }
  }, 40_000);

  it('with the collector down, the run finishes and its spans arrive once it is back', async () => {
    await putAgent('trace-tag', httpAgent('tag/T'));
    await putWorkflow('traced-later', 'name: traced-later\nsteps:\n  - { id: one, agent: trace-tag, input: x }\n');
    const before = (await (await collector('stats')).json()) as { refused: number };
    expect((await collector('down', { method: 'PUT' })).ok).toBe(true);
    const run = await waitForRun(await startRun('traced-later'));
    expect(run.status).toBe('completed');
    // The export was tried and refused; nothing arrived.
    await eventually(async () => {
      const now = (await (await collector('stats')).json()) as { refused: number };
      return now.refused > before.refused ? now : null;
    });
    expect((await collector(`runs/${run.id}`)).status).toBe(404);
    await collector('down', { method: 'DELETE' });
    const { spans } = await traceOf(run.id, 20_000);
    expect(spans.map((s) => s.name).sort()).toEqual(['invoke_agent trace-tag', 'run traced-later', 'step one']);
  }, 40_000);
});
