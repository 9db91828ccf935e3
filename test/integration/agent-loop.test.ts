import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, putAgent, putWorkflow, startRun, waitForRun, type RunBody } from '../support/helpers';

/** A scripted turn of test/node/model-server.ts (a Node file: its types are not visible here). */
type Turn = { tool_calls: { name: string; arguments?: unknown }[] } | { content: string };
type LogEntry = { idempotencyKey?: string; messages: unknown[]; response_format?: unknown };

/** Registers a script on the scripted model server; the agent's `model` names it. */
async function script(name: string, turns: Turn[]): Promise<void> {
  const res = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ turns }),
  });
  expect(res.ok).toBe(true);
}
const logOf = async (name: string) =>
  (await (await fetch(`${env.TEST_AGENT_URL}/model/log/${name}`)).json()) as LogEntry[];
const prices = { input: 2, output: 10 };

const tools = (suffix: string) => [
  { mcp: { server: env.TEST_EVERYTHING_URL, allow: ['echo'] } },
  {
    http: {
      name: 'save_note',
      description: 'Saves a note',
      parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      method: 'POST',
      url: `${env.TEST_AGENT_URL}/save/note-${suffix}`,
      body: '{{ args.text }}',
    },
  },
  { agent: `helper-${suffix}`, description: 'A specialist that summarises' },
];

const LOOP: Turn[] = [
  { tool_calls: [{ name: 'echo', arguments: { message: 'ping' } }] },
  { tool_calls: [{ name: 'save_note', arguments: { text: 'remember this' } }] },
  { tool_calls: [{ name: 'helper', arguments: { input: 'summarise ping' } }] },
  { content: 'The answer, with tools.' },
];

async function loopRun(provider: 'openai' | 'anthropic', suffix: string): Promise<{ run: RunBody; model: string }> {
  const model = `loop-${suffix}`;
  const base = `${env.TEST_AGENT_URL}/model/${provider}${provider === 'openai' ? '/v1' : ''}`;
  await script(
    model,
    LOOP.map((t) =>
      'tool_calls' in t && t.tool_calls[0]!.name === 'helper'
        ? { tool_calls: [{ name: `helper-${suffix}`, arguments: { input: 'summarise ping' } }] }
        : t,
    ),
  );
  await script(`helper-model-${suffix}`, [{ content: 'helper says: summary' }]);
  const config = (m: string) => ({ baseUrl: base, model: m, apiKeySecret: 'LLM_KEY', pricePerMillionTokens: prices });
  await putAgent(`helper-${suffix}`, { provider, description: 'Summarises', config: config(`helper-model-${suffix}`) });
  await putAgent(`worker-${suffix}`, { provider, config: config(model), tools: tools(suffix) });
  await putWorkflow(
    `loop-${suffix}`,
    `name: loop-${suffix}\nsteps: [ { id: work, agent: worker-${suffix}, input: "go" } ]`,
  );
  return { run: await waitForRun(await startRun(`loop-${suffix}`), 30_000), model };
}

describe.each(['openai', 'anthropic'] as const)('an agent loop through the %s provider', (provider) => {
  let run: RunBody;
  let model: string;
  beforeAll(async () => {
    ({ run, model } = await loopRun(provider, provider === 'openai' ? 'o' : 'a'));
  }, 40_000);

  it('calls an MCP tool, an http tool and another agent, then answers', async () => {
    expect(run.status).toBe('completed');
    expect(run.output).toBe('The answer, with tools.');
    const step = run.steps[0]!;
    const turns = step.turns!;
    expect(turns.map((t) => t.toolCalls.map((c) => c.tool))).toEqual([
      ['echo'],
      ['save_note'],
      [expect.stringMatching(/^helper-/)],
      [],
    ]);
    expect(turns.at(-1)!.answered).toBe(true);
    const [echo, save, helper] = turns.slice(0, 3).map((t) => t.toolCalls[0]!);
    expect(echo).toMatchObject({ kind: 'mcp', status: 'succeeded', arguments: { message: 'ping' } });
    expect(JSON.stringify(echo!.output)).toContain('ping');
    expect(save).toMatchObject({ kind: 'http', status: 'succeeded', arguments: { text: 'remember this' } });
    expect(helper).toMatchObject({ kind: 'agent', status: 'succeeded', output: 'helper says: summary' });
    const child = await waitForRun(helper!.childRunId!);
    expect(child).toMatchObject({ status: 'completed', workflow: expect.stringMatching(/^agent-helper-/), version: 0 });
    expect(Date.parse(helper!.endedAt!)).toBeGreaterThan(Date.parse(helper!.startedAt!));
    const saved = (await (await fetch(`${env.TEST_AGENT_URL}/saved`)).json()) as Record<string, string>;
    expect(Object.entries(saved).find(([k]) => k.startsWith('note-'))?.[1]).toContain('remember this');
  });

  it('sums usage and cost per step and run, from the price per million tokens', async () => {
    const step = run.steps[0]!;
    // 4 model turns of 100 in / 20 out at $2 / $10 per million tokens, plus the helper's one turn.
    const turnCost = (100 * 2 + 20 * 10) / 1e6;
    expect(step.turns!.every((t) => t.usage?.inputTokens === 100)).toBe(true);
    expect(step.usage?.inputTokens).toBe(500);
    expect(step.usage?.costUsd).toBeCloseTo(5 * turnCost, 9);
    expect(run.usage?.costUsd).toBeCloseTo(5 * turnCost, 9);
  });

  it('each model turn reached the model once, with its own idempotency key and the tool results', async () => {
    const log = await logOf(model);
    expect(log).toHaveLength(4);
    const keys = log.map((l) => l.idempotencyKey);
    expect(new Set(keys).size).toBe(4);
    expect(keys[1]).toBe(`${run.id}:work:1:2:model`);
    expect(JSON.stringify(log[1]!.messages)).toContain('ping');
  });
});

describe('limits and structured output', () => {
  const llm = (m: string) => ({
    provider: 'openai',
    config: { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model: m, apiKeySecret: 'LLM_KEY' },
  });

  it('a model that calls tools forever stops at max_tool_calls with limit_exceeded', async () => {
    await script('forever', [{ tool_calls: [{ name: 'echo', arguments: { message: 'again' } }] }]);
    await putAgent('forever', {
      ...llm('forever'),
      tools: [{ mcp: { server: env.TEST_EVERYTHING_URL, allow: ['echo'] } }],
      max_tool_calls: 3,
      max_turns: 50,
    });
    await putWorkflow('forever', 'name: forever\nsteps: [ { id: spin, agent: forever, input: go } ]');
    const run = await waitForRun(await startRun('forever'), 30_000);
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.error).toMatchObject({ code: 'limit_exceeded', retryable: false });
    expect(run.steps[0]!.attempts).toBe(1);
    expect(run.steps[0]!.turns!.length).toBe(4);
  });

  it('output_schema: an invalid answer gets one repair turn; the object is the output later steps read', async () => {
    await script('classify', [{ content: '{"category": 7}' }, { content: '{"category": "billing"}' }]);
    await putAgent('classify', llm('classify'));
    await putAgent('echo-b', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'classify',
      `name: classify
steps:
  - id: classify
    agent: classify
    input: "my invoice is wrong"
    output_schema: { type: object, properties: { category: { type: string } }, required: [category] }
  - { id: route, agent: echo-b, input: "{{ classify.output.category }}" }
`,
    );
    const run = await waitForRun(await startRun('classify'), 30_000);
    const step = run.steps.find((s) => s.id === 'classify')!;
    expect(step.output).toEqual({ category: 'billing' });
    expect(JSON.stringify(run.steps.find((s) => s.id === 'route')!.output)).toContain('billing');
    expect(step.turns![1]!.repairOf).toEqual([expect.objectContaining({ path: '/category' })]);
    const log = await logOf('classify');
    expect(log[0]!.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('output_schema: a model that stays invalid fails with invalid_output and the paths', async () => {
    await script('stubborn', [{ content: '{"category": 7}' }]);
    await putAgent('stubborn', llm('stubborn'));
    await putWorkflow(
      'stubborn',
      'name: stubborn\nsteps: [ { id: c, agent: stubborn, input: x, output_schema: { type: object, properties: { category: { type: string } } } } ]',
    );
    const run = await waitForRun(await startRun('stubborn'), 30_000);
    expect(run.steps[0]!.error).toMatchObject({ code: 'invalid_output', details: { issues: [{ path: '/category' }] } });
  });

  it('registration refuses a step tool naming an unknown agent, at its path', async () => {
    const res = await api('/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'name: bad-tools\nsteps: [ { id: a, agent: stubborn, input: x, tools: [ { agent: nobody } ] } ]',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { issues: { path: string }[] } } };
    expect(body.error.details.issues[0]!.path).toBe('steps[0].tools[0].agent');
  });
});

describe('a long MCP tool call', () => {
  it('an MCP tool that takes longer than 60 s succeeds when the step timeout allows it', async () => {
    await script('long-call', [{ tool_calls: [{ name: 'sleep', arguments: { ms: 61_000 } }] }, { content: 'woke up' }]);
    await putAgent('long-call', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model: 'long-call', apiKeySecret: 'LLM_KEY' },
      tools: [{ mcp: { server: `${env.TEST_AGENT_URL}/mcp/loop-long`, allow: ['sleep'] } }],
    });
    await putWorkflow(
      'long-call',
      'name: long-call\nsteps: [ { id: nap, agent: long-call, input: go, timeout: 90s } ]',
    );
    const run = await waitForRun(await startRun('long-call'), 85_000);
    expect(run.status).toBe('completed');
    expect(run.steps[0]!.turns![0]!.toolCalls[0]).toMatchObject({ status: 'succeeded', output: 'slept 61000 ms' });
    const stats = await (await fetch(`${env.TEST_AGENT_URL}/mcp-stats/loop-long`)).json();
    expect(stats).toMatchObject({ calls: { sleep: 1 } });
  }, 90_000);
});

describe('delegation bounds', () => {
  it('an agent that delegates to itself stops at the nesting limit; the refusal is a tool result and every level answers', async () => {
    await script('selfie', [
      { tool_calls: [{ name: 'selfie', arguments: { input: 'again' } }] },
      { content: 'gave up' },
    ]);
    await putAgent('selfie', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model: 'selfie', apiKeySecret: 'LLM_KEY' },
      tools: [{ agent: 'selfie' }],
    });
    await putWorkflow('selfie', 'name: selfie\nsteps: [ { id: s, agent: selfie, input: go } ]');
    const run = await waitForRun(await startRun('selfie'), 40_000);
    expect(run).toMatchObject({ status: 'completed', output: 'gave up' });
    let id = run.steps[0]!.turns![0]!.toolCalls[0]!.childRunId;
    let depth = 0;
    let deepest = run;
    while (id) {
      deepest = await waitForRun(id);
      depth += 1;
      id = deepest.steps[0]!.turns![0]!.toolCalls[0]!.childRunId;
    }
    expect(depth).toBe(8);
    expect(deepest.steps[0]!.turns![0]!.toolCalls[0]).toMatchObject({
      status: 'failed',
      error: { code: 'limit_exceeded' },
    });
  }, 45_000);

  it('tools on a step whose agent is not a model fail the step, saying why', async () => {
    await putAgent('plain-echo', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'plain-tools',
      `name: plain-tools\nsteps: [ { id: p, agent: plain-echo, input: x, tools: [ { mcp: { server: "${env.TEST_EVERYTHING_URL}" } } ] } ]`,
    );
    const run = await waitForRun(await startRun('plain-tools'));
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.error!.message).toContain('is not a model');
  });
});
