import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { insertRun } from '../../src/adapter/cloudflare/d1/runs';
import { newRunId } from '../../src/adapter/cloudflare/triggers/start-run';
import { sweepQueuedRuns } from '../../src/adapter/cloudflare/triggers/sweep-runs';
import { api, httpAgent, putAgent, waitForRun } from '../support/helpers';

const yaml = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/yaml' } });

describe('auth', () => {
  it.each([
    ['no token', undefined],
    ['a wrong token', 'Bearer nope'],
    ['another scheme', 'Basic dGVzdA=='],
  ])('%s → 401 JSON error', async (_label, authorization) => {
    const res = await SELF.fetch('http://baton.test/api/runs', { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('a viewer token may read but not write (403)', async () => {
    const token = 'viewer-token-123';
    const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    const { env } = await import('cloudflare:test');
    await env.DB.prepare(
      "INSERT INTO api_keys (id, tenant_id, name, key_hash, role, created_at) VALUES ('k1', 'default', 'ci', ?, 'viewer', '2026-01-01')",
    )
      .bind(hash)
      .run();
    expect((await api('/agents', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const write = await api('/agents/x', { method: 'PUT', body: '{}', headers: { authorization: `Bearer ${token}` } });
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('workflows', () => {
  beforeAll(async () => {
    await putAgent('tagger', httpAgent('tag/T'));
  });

  it('register → 201 with version 1; same name again → 409; PUT changes → version 2; PUT unchanged → 200 same version', async () => {
    const def = 'name: wf-a\nsteps: [ { id: a, agent: tagger, input: "{{ inputs.x }}" } ]';
    const created = await api('/workflows', yaml(def));
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ name: 'wf-a', version: 1 });
    const again = await api('/workflows', yaml(def));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'conflict' } });
    const v2 = await api('/workflows/wf-a', { ...yaml(`${def}\ndescription: second`), method: 'PUT' });
    expect(v2.status).toBe(201);
    expect(await v2.json()).toEqual({ name: 'wf-a', version: 2 });
    const same = await api('/workflows/wf-a', { ...yaml(`${def}\ndescription: second`), method: 'PUT' });
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual({ name: 'wf-a', version: 2 });
    const v1 = (await (await api('/workflows/wf-a?version=1')).json()) as {
      version: number;
      definition: { description?: string };
      versions: unknown[];
    };
    expect(v1.version).toBe(1);
    expect(v1.definition.description).toBeUndefined();
    expect(v1.versions).toHaveLength(2);
  });

  it('accepts JSON as well as YAML', async () => {
    const res = await api('/workflows', {
      method: 'POST',
      body: JSON.stringify({ name: 'wf-json', steps: [{ id: 'a', agent: 'tagger' }] }),
    });
    expect(res.status).toBe(201);
  });

  it('an invalid definition → 400 invalid_definition with every issue located by YAML path', async () => {
    const res = await api(
      '/workflows',
      yaml(`name: wf-bad
steps:
  - { id: a, agent: ghost, input: "{{ b.output }}" }
  - { id: a, agent: tagger, timeout: forever }
`),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; details: { issues: { path: string; message: string }[] } };
    };
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.issues.map((i) => i.path)).toEqual(['steps[1].timeout']);
    const second = await api(
      '/workflows',
      yaml('name: wf-bad\nsteps:\n  - { id: a, agent: ghost }\n  - { id: a, agent: tagger }\n'),
    );
    const issues = ((await second.json()) as typeof body).error.details.issues;
    expect(issues).toEqual([
      { path: 'steps[0].agent', message: "unknown agent 'ghost'; register it with PUT /api/agents/ghost" },
      { path: 'steps[1].id', message: "duplicate step id 'a' (first used at steps[0])" },
    ]);
  });

  it('an email alias already used by another workflow is refused at its path', async () => {
    await api(
      '/workflows',
      yaml('name: wf-mail-1\ntriggers: [ { email: { alias: shared } } ]\nsteps: [ { id: a, agent: tagger } ]'),
    );
    const res = await api(
      '/workflows',
      yaml('name: wf-mail-2\ntriggers: [ { email: { alias: shared } } ]\nsteps: [ { id: a, agent: tagger } ]'),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { details: { issues: [{ path: 'triggers[0].email.alias' }] } } });
  });

  it('runs start over the API, idempotently, and list newest first with a cursor', async () => {
    const start = (key?: string, input: unknown = { x: 'hello' }) =>
      api('/workflows/wf-a/runs', { method: 'POST', body: JSON.stringify({ input, idempotencyKey: key }) });
    const first = await start('k-1');
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    expect(((await (await start('k-1')).json()) as { runId: string }).runId).toBe(runId);
    const other = ((await (await start()).json()) as { runId: string }).runId;
    const run = await waitForRun(runId);
    expect(run).toMatchObject({
      status: 'completed',
      output: 'T: hello',
      steps: [{ id: 'a', status: 'succeeded', attempts: 1 }],
    });
    await waitForRun(other);
    const page1 = (await (await api('/runs?workflow=wf-a&limit=1')).json()) as {
      runs: { id: string; stepsDone: number }[];
      nextCursor: string;
    };
    expect(page1.runs.map((r) => r.id)).toEqual([other]);
    const page2 = (await (
      await api(`/runs?workflow=wf-a&limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`)
    ).json()) as { runs: { id: string; stepsDone: number }[]; nextCursor: string | null };
    expect(page2.runs.map((r) => r.id)).toEqual([runId]);
    expect(page2.runs[0]!.stepsDone).toBe(1);
    expect(page2.nextCursor).toBeNull();
    const light = (await (await api(`/runs/${runId}?steps=false`)).json()) as Record<string, unknown>;
    expect(light).toMatchObject({ id: runId, status: 'completed', output: 'T: hello', stepsDone: 1 });
    expect(light).not.toHaveProperty('steps');
    expect((await api(`/runs/${runId}?steps=maybe`)).status).toBe(400);
  });

  it('unknown workflow → 404; bad input type → 400 with the input path', async () => {
    expect((await api('/workflows/nope/runs', { method: 'POST', body: '{}' })).status).toBe(404);
    await api(
      '/workflows',
      yaml('name: wf-typed\ninputs: { n: { type: number, required: true } }\nsteps: [ { id: a, agent: tagger } ]'),
    );
    const res = await api('/workflows/wf-typed/runs', {
      method: 'POST',
      body: JSON.stringify({ input: { n: 'three' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: 'bad_request',
        details: { issues: [{ path: 'input.n', message: 'expected number, got string' }] },
      },
    });
  });
});

describe('agents and documents', () => {
  it('PUT validates the provider config; GET lists and reads', async () => {
    const bad = await api('/agents/bad-one', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'http', config: { url: 'not a url' } }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'bad_request', details: { issues: [{ path: 'json.config.url' }] } },
    });
    const put = await api('/agents/llm', {
      method: 'PUT',
      body: JSON.stringify({
        provider: 'openai',
        config: { baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKeySecret: 'OPENAI_API_KEY' },
      }),
    });
    expect(put.status).toBe(201);
    const one = (await (await api('/agents/llm')).json()) as { provider: string; config: { model: string } };
    expect(one).toMatchObject({ provider: 'openai', config: { model: 'm' } });
    const list = (await (await api('/agents')).json()) as { agents: { name: string }[] };
    expect(list.agents.map((a) => a.name)).toContain('llm');
  });

  it('serves the OpenAPI document and the workflow JSON Schema', async () => {
    const doc = (await (await api('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/workflows',
        '/api/workflows/{name}/runs',
        '/api/workflows/{name}/plan',
        '/api/runs/{id}',
        '/api/runs/{id}/messages',
        '/api/agents/{name}',
        '/api/messages',
        '/api/events',
      ]),
    );
    const schema = (await (await api('/schema/workflow.json')).json()) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'steps']));
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'triggers', 'inputs', 'steps', 'output', 'timeout']),
    );
    const text = JSON.stringify(schema);
    for (const kind of [
      'agent',
      'http',
      'mcp',
      'workflow',
      'sleep',
      'wait_for_event',
      'parallel',
      'switch',
      'foreach',
      'compensate',
    ])
      expect(text).toContain(`"${kind}"`);
  });

  it('unknown routes answer a JSON 404', async () => {
    const res = await api('/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('deep inputs and lost starts (issue 13, item 8)', () => {
  it('an input nested 5,000 levels (or 65) answers 400 naming the limit and leaves no queued run', async () => {
    await api('/workflows', yaml('name: wf-deep\nsteps: [ { id: a, agent: tagger, input: "{{ inputs }}" } ]'));
    for (const levels of [5_000, 65]) {
      const res = await api('/workflows/wf-deep/runs', {
        method: 'POST',
        body: `{"input":{"x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}}`,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: 'bad_request', message: expect.stringContaining('input nests deeper than 64 levels') },
      });
    }
    const ok = await api('/workflows/wf-deep/runs', {
      method: 'POST',
      body: `{"input":{"x":${'['.repeat(63)}${']'.repeat(63)}}}`,
    });
    expect(ok.status).toBe(202);
    await waitForRun(((await ok.json()) as { runId: string }).runId);
    const queued = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE status = 'queued'").first<{
      n: number;
    }>();
    expect(queued!.n).toBe(0);
  });

  it('the sweeper starts a queued run whose RunObject never started, and fails one that cannot start', async () => {
    await api(
      '/workflows',
      yaml(
        'name: wf-orphan\ninputs: { x: { type: string } }\nsteps: [ { id: a, agent: tagger, input: "{{ inputs.x }}" } ]',
      ),
    );
    const old = Date.now() - 20_000;
    const row = (id: string, version: number) => ({
      id,
      workflowName: 'wf-orphan',
      version,
      triggerType: 'api' as const,
      trigger: { type: 'api' },
      input: { x: 'orphan' },
      idempotencyKey: null,
      stepsTotal: 0,
      createdAt: new Date(old).toISOString(),
    });
    const orphan = newRunId(old);
    const hopeless = newRunId(old);
    await insertRun(database(env.DB), 'default', row(orphan, 1));
    await insertRun(database(env.DB), 'default', row(hopeless, 7));
    const young = newRunId(Date.now());
    await insertRun(database(env.DB), 'default', { ...row(young, 1), createdAt: new Date().toISOString() });
    const outcome = await sweepQueuedRuns(env, Date.now());
    expect(outcome).toMatchObject({ started: [orphan], failed: [hopeless] });
    expect(await waitForRun(orphan)).toMatchObject({ status: 'completed', output: 'T: orphan' });
    expect(await (await api(`/runs/${hopeless}?steps=false`)).json()).toMatchObject({
      status: 'failed',
      error: { code: 'start_failed', message: expect.stringContaining('version 7') },
    });
    expect(await (await api(`/runs/${young}?steps=false`)).json()).toMatchObject({ status: 'queued' });
    expect(await sweepQueuedRuns(env, Date.now())).toEqual({ started: [], failed: [] });
  });

  it('the sweeper starts a lost agent delegation (version 0, rebuilt from its trigger)', async () => {
    const old = Date.now() - 20_000;
    const id = newRunId(old);
    await insertRun(database(env.DB), 'default', {
      id,
      workflowName: 'agent-tagger',
      version: 0,
      triggerType: 'api',
      trigger: { type: 'api', agent: 'tagger', depth: 1 },
      input: { input: 'delegated' },
      idempotencyKey: null,
      stepsTotal: 0,
      createdAt: new Date(old).toISOString(),
    });
    expect((await sweepQueuedRuns(env, Date.now())).started).toContain(id);
    expect(await waitForRun(id)).toMatchObject({ status: 'completed', output: 'T: delegated' });
  });
});
