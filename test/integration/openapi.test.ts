import { Validator } from '@cfworker/json-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

type Media = { schema?: Record<string, unknown> };
type Operation = { operationId?: string; responses: Record<string, { content?: Record<string, Media> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

let doc: Doc;

/**
 * Checks an actual answer against the schema `/api/openapi.json` declares for its operation and
 * status (JSON Schema 2020-12, the document's components included): handler/doc drift fails here.
 */
async function conforms(method: string, path: string, res: Response): Promise<unknown> {
  const op = doc.paths[path]?.[method];
  expect(op, `${method} ${path} is declared`).toBeDefined();
  const schema = op!.responses[String(res.status)]?.content?.['application/json']?.schema;
  expect(schema, `${method} ${path} declares a JSON body for ${res.status}`).toBeDefined();
  const body = await res.json();
  const result = new Validator({ ...schema, components: doc.components } as never, '2020-12', false).validate(body);
  expect(
    result.valid ? [] : result.errors.slice(-3).map((e) => `${e.instanceLocation}: ${e.error}`),
    `${method} ${path} ${res.status}: ${JSON.stringify(body).slice(0, 300)}`,
  ).toEqual([]);
  return body;
}

const FLOW = `name: oa-flow
steps:
  - { id: draft, agent: oa-tagger, input: "draft" }
  - id: review
    approval: { assignees: [lead@example.com], message: "Send {{ draft.output }}?", deadline: 1h }
  - { id: send, agent: oa-tagger, input: "{{ draft.output }}" }
  - { id: never, agent: oa-tagger, input: x, if: "{{ false }}" }
`;

beforeAll(async () => {
  doc = (await (await api('/openapi.json')).json()) as Doc;
  await putAgent('oa-tagger', httpAgent('tag/T'));
  await putWorkflow('oa-flow', FLOW);
});

describe('GET /api/openapi.json', () => {
  it('declares an operationId for every operation, and the webhook, schema and live routes', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(ops.filter(({ op }) => !op.operationId).map(({ key }) => key)).toEqual([]);
    expect(ops.map(({ key }) => key)).toEqual(
      expect.arrayContaining([
        'POST /hooks/{workflow}',
        'GET /api/schema/workflow.json',
        'GET /api/live/runs',
        'GET /api/live/runs/{id}',
      ]),
    );
    expect(doc.components).toHaveProperty('schemas.Run');
  });
});

describe('answers match their declared schemas', () => {
  it('runs, a run (live, from the index, ended), its messages, approvals and their decision', async () => {
    const runId = await startRun('oa-flow');
    const approval = await eventually(async () => {
      const res = await api('/approvals?status=pending');
      const list = (await conforms('get', '/api/approvals', res)) as { id: string; runId: string }[];
      return list.find((a) => a.runId === runId);
    });
    await conforms('get', '/api/runs', await api('/runs?workflow=oa-flow'));
    await conforms('get', '/api/runs/{id}', await api(`/runs/${runId}`));
    await conforms('get', '/api/runs/{id}', await api(`/runs/${runId}?steps=false`));
    await conforms('get', '/api/runs/{id}/messages', await api(`/runs/${runId}/messages`));
    await conforms('get', '/api/approvals/{id}', await api(`/approvals/${encodeURIComponent(approval.id)}`));
    const decided = await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(await conforms('post', '/api/approvals/{id}', decided)).toMatchObject({ decision: 'approve' });
    const ended = await waitForRun(runId);
    expect(ended.status).toBe('completed');
    const run = (await conforms('get', '/api/runs/{id}', await api(`/runs/${runId}`))) as {
      steps: { id: string; skipReason?: string; history: unknown[] }[];
    };
    expect(run.steps.find((s) => s.id === 'never')?.skipReason).toBe('condition');
    expect(run.steps.find((s) => s.id === 'draft')?.history).toHaveLength(1);
  });

  it('agents (with health), workflows, the plan, messages, schedules, deliveries, secrets', async () => {
    await conforms('get', '/api/agents', await api('/agents'));
    await conforms('get', '/api/agents', await api('/agents?include=health'));
    await conforms('get', '/api/agents/{name}', await api('/agents/oa-tagger'));
    await conforms('get', '/api/workflows', await api('/workflows'));
    await conforms('get', '/api/workflows/{name}', await api('/workflows/oa-flow'));
    await conforms('get', '/api/workflows/{name}/plan', await api('/workflows/oa-flow/plan'));
    await conforms('get', '/api/messages', await api('/messages'));
    await conforms('get', '/api/schedules', await api('/schedules'));
    await conforms('get', '/api/deliveries', await api('/deliveries'));
    await conforms('get', '/api/secrets', await api('/secrets'));
  });

  it('errors: 401, 400, 404 and 409 answer the shared error schema', async () => {
    await conforms('get', '/api/runs', await api('/runs', { headers: { authorization: 'Bearer nope' } }));
    await conforms('get', '/api/runs', await api('/runs?limit=0'));
    await conforms('get', '/api/runs/{id}', await api('/runs/no-such-run'));
    const runId = await startRun('oa-flow');
    await api(`/runs/${runId}/cancel`, { method: 'POST' });
    await waitForRun(runId);
    await conforms('post', '/api/runs/{id}/cancel', await api(`/runs/${runId}/cancel`, { method: 'POST' }));
  });

  it("a body that is not JSON is the client's error: 400 bad_request, as declared", async () => {
    for (const [method, path, url] of [
      ['post', '/api/approvals/{id}', '/approvals/x'],
      ['post', '/api/events', '/events'],
      ['post', '/api/workflows/{name}/runs', '/workflows/oa-flow/runs'],
      ['put', '/api/agents/{name}', '/agents/oa-broken'],
    ] as const) {
      const res = await api(url, {
        method: method.toUpperCase(),
        body: '{bad',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, `${method} ${url}`).toBe(400);
      expect(await conforms(method, path, res)).toMatchObject({ error: { code: 'bad_request' } });
    }
  });
});
