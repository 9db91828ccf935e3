import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { listAgents } from '../../src/adapter/cloudflare/d1/agents';
import { DEMO_FETCH_MAX_BYTES, demoAgentBodies } from '../../src/demo/demo';
import { seedDemo } from '../../src/demo/seed';
import { AgentBody } from '../../src/schemas/agent';
import { putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

/** The demo's fetch tool (issue 16, item 7): with a model the research agent may read https: pages; offline nothing changes. */

const MODEL = { baseUrl: 'https://llm.example.com/v1', model: 'm-1' };
const toolsOf = async (tenant: string) =>
  Object.fromEntries((await listAgents(database(env.DB), tenant)).map((a) => [a.name, a.tools ?? null]));

describe('the demo seed and the fetch tool', () => {
  it('offline: the builtin agents get no tools and say they are offline', async () => {
    await seedDemo(database(env.DB), 'offline-demo', {}, '2026-01-01T00:00:00.000Z');
    const agents = await listAgents(database(env.DB), 'offline-demo');
    expect(agents.map((a) => [a.name, a.provider, a.tools ?? null])).toEqual([
      ['draft', 'builtin', null],
      ['proofread', 'builtin', null],
      ['research', 'builtin', null],
      ['summarize', 'builtin', null],
    ]);
    expect(agents.every((a) => a.description?.endsWith('(offline builtin tool)'))).toBe(true);
  });

  it('with a model: research gets an http GET tool limited to https: with a size cap; the others get none', async () => {
    await seedDemo(database(env.DB), 'model-demo', MODEL, '2026-01-01T00:00:00.000Z');
    const tools = await toolsOf('model-demo');
    expect(tools).toMatchObject({ draft: null, proofread: null, summarize: null });
    expect(tools.research).toEqual([
      {
        http: {
          name: 'fetch_url',
          description: expect.stringContaining('https://'),
          parameters: {
            type: 'object',
            properties: { url: { type: 'string', description: expect.any(String) } },
            required: ['url'],
            additionalProperties: false,
          },
          method: 'GET',
          url: '{{ args.url }}',
          schemes: ['https:'],
          max_bytes: DEMO_FETCH_MAX_BYTES,
        },
      },
    ]);
    // The body is what PUT /api/agents/research accepts as it is.
    expect(AgentBody.safeParse(demoAgentBodies(MODEL).research).success).toBe(true);
  });

  it('in a run, the model is offered fetch_url and an http: URL is refused before any request', async () => {
    const script = 'demo-fetch';
    const turns = [
      { tool_calls: [{ name: 'fetch_url', arguments: { url: `${env.TEST_AGENT_URL}/data/orders` } }] },
      { content: 'Notes: the page could not be read.' },
    ];
    const put = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${script}`, {
      method: 'PUT',
      body: JSON.stringify({ turns }),
    });
    expect(put.ok).toBe(true);
    const settings = { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model: script };
    await putAgent('demo-research', demoAgentBodies(settings).research);
    await putWorkflow(
      'demo-fetch',
      'name: demo-fetch\nsteps: [ { id: research, agent: demo-research, input: "CRM" } ]',
    );

    const run = await waitForRun(await startRun('demo-fetch'), 30_000);
    expect(run.status).toBe('completed');
    expect(run.output).toBe('Notes: the page could not be read.');
    const call = run.steps[0]!.turns![0]!.toolCalls[0]!;
    expect(call).toMatchObject({
      tool: 'fetch_url',
      kind: 'http',
      status: 'failed',
      error: { code: 'url_not_allowed' },
    });
    expect(call.error!.message).toContain("the scheme 'http:' is not allowed for this tool (only https:)");

    const log = (await (await fetch(`${env.TEST_AGENT_URL}/model/log/${script}`)).json()) as {
      messages: unknown[];
      tools?: { function: { name: string } }[];
    }[];
    expect(log[0]!.tools?.map((t) => t.function.name)).toEqual(['fetch_url']);
    expect(JSON.stringify(log[0]!.messages)).toContain('fetch_url tool');
    // The refusal is the tool result the model reads next, so it can say the page could not be read.
    expect(JSON.stringify(log[1]!.messages)).toContain('is not allowed for this tool');
  });
});
