import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, apiAs } from '../support/helpers';
import { signIn, withCookie } from '../support/sessions';

/**
 * Tenant isolation, walked over every operation of the OpenAPI document: tenant B owns a workflow,
 * a run waiting for an approval and an event, an agent, a secret, a key, a plan, a message and a
 * delivery; tenant A's admin key (which every role check lets through) gets 404 for each of B's
 * objects on every route that names one, sees none of them in any list or feed, and what A
 * creates under B's names is A's own (B's objects are unchanged).
 */
type Op = { method: string; path: string };

const as = apiAs;

async function tenant(name: string): Promise<ReturnType<typeof as>> {
  const res = await api('/tenants', { method: 'POST', body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  const token = ((await res.json()) as { key: { token: string } }).key.token;
  tokens.set(name, token);
  return as(token);
}

const tokens = new Map<string, string>();
let a: ReturnType<typeof as>;
let b: ReturnType<typeof as>;
const B = {
  workflow: 'b-flow',
  agent: 'b-agent',
  secret: 'B_ONLY_SECRET',
  run: '',
  approval: '',
  key: '',
  plan: '',
  member: 'b-person@b.example',
  alert: 'b-alert',
};
let bTenant = '';

beforeAll(async () => {
  a = await tenant('Isolation A');
  b = await tenant('Isolation B');
  const put = await b(`/workflows/${B.workflow}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/yaml' },
    body: `name: ${B.workflow}
triggers:
  - webhook: { signature: none, allow_unsigned: true }
steps:
  - id: ask
    approval: { assignees: [lead@b.example], message: "Go?", deadline: 1h }
  - id: wait
    wait_for_event: { type: b.ready, timeout: 1h }
`,
  });
  expect(put.status, await put.clone().text()).toBe(201);
  expect(
    (
      await b(`/agents/${B.agent}`, {
        method: 'PUT',
        body: JSON.stringify({ provider: 'builtin', config: { tool: 'echo' } }),
      })
    ).status,
  ).toBe(201);
  expect(
    (await b(`/secrets/${B.secret}`, { method: 'PUT', body: JSON.stringify({ value: 'b-secret-value' }) })).status,
  ).toBe(201);
  const rule = await b(`/alerts/${B.alert}`, {
    method: 'PUT',
    body: JSON.stringify({ type: 'run_failed', workflow: B.workflow, notify: { email: ['ops@b.example'] } }),
  });
  expect(rule.status, await rule.clone().text()).toBe(201);
  const member = await b('/members', { method: 'POST', body: JSON.stringify({ email: B.member, role: 'viewer' }) });
  expect(member.status).toBe(201);
  const key = await b('/keys', { method: 'POST', body: JSON.stringify({ name: 'b-viewer', role: 'viewer' }) });
  B.key = ((await key.json()) as { id: string }).id;
  const run = await b(`/workflows/${B.workflow}/runs`, { method: 'POST', body: '{}' });
  B.run = ((await run.json()) as { runId: string }).runId;
  B.approval = await eventually(
    async () =>
      ((await (await b('/approvals?status=pending')).json()) as { id: string; runId: string }[]).find(
        (x) => x.runId === B.run,
      )?.id,
  );
  const row = (await env.DB.prepare('SELECT tenant_id FROM runs WHERE id = ?').bind(B.run).first<string>('tenant_id'))!;
  bTenant = row;
  B.plan = `plan_b_${Date.now()}`;
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO plans (id, tenant_id, status, task, planner, created_at, updated_at) VALUES (?, ?, 'failed', 'b task', 'b-planner', ?, ?)",
    ).bind(B.plan, bTenant, now, now),
    env.DB.prepare(
      "INSERT INTO messages (id, tenant_id, direction, status, run_id, from_addr, to_addr, subject, date, created_at) VALUES (?, ?, 'inbound', 'accepted', ?, 'x@b.example', 'b-alias@b.example', 'b subject', ?, ?)",
    ).bind(`msg_b_${Date.now()}`, bTenant, B.run, now, now),
    env.DB.prepare(
      "INSERT INTO deliveries (id, tenant_id, workflow_name, status, reason, run_id, created_at) VALUES (?, ?, ?, 'accepted', 'b delivery', ?, ?)",
    ).bind(`dlv_b_${Date.now()}`, bTenant, B.workflow, B.run, now),
    env.DB.prepare(
      "INSERT INTO alert_events (id, tenant_id, rule, type, subject, workflow, run_id, message, notified, deliveries, fired_at) VALUES (?, ?, ?, 'run_failed', ?, ?, ?, 'b alert message', 1, '[]', ?)",
    ).bind(`alt_b_${Date.now()}`, bTenant, B.alert, `run:${B.run}`, B.workflow, B.run, now),
  ]);
});

/** Every /api operation of the document. */
async function operations(): Promise<Op[]> {
  const doc = (await (await api('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/'))
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })));
}

/** The path with B's object for each parameter, by the collection it names. */
function withB(path: string): string {
  return path.replace(/^\/api/, '').replace(/\{(\w+)\}/g, (_, param: string) => {
    if (path.startsWith('/api/workflows/')) return B.workflow;
    if (path.startsWith('/api/runs/') || path.startsWith('/api/live/runs/')) return B.run;
    if (path.startsWith('/api/agents/')) return B.agent;
    if (path.startsWith('/api/secrets/')) return B.secret;
    if (path.startsWith('/api/approvals/')) return encodeURIComponent(B.approval);
    if (path.startsWith('/api/keys/')) return B.key;
    if (path.startsWith('/api/plans/')) return B.plan;
    if (path.startsWith('/api/members/')) return encodeURIComponent(B.member);
    if (path.startsWith('/api/alerts/')) return B.alert;
    throw new Error(`no object of B for ${param} in ${path}: add it to the walk`);
  });
}

/** A valid body where `{}` is not one (so the walk reaches the lookup, not the validation). */
const BODIES: Record<string, unknown> = {
  'POST /api/approvals/{id}': { decision: 'approve' },
  'POST /api/runs/{id}/feedback': { rating: 'up' },
};
/** Routes without a parameter that create the caller's own thing (checked below: B's stays unchanged). */
const CREATES = new Set([
  'PUT /api/workflows/{name}',
  'PUT /api/agents/{name}',
  'PUT /api/secrets/{name}',
  'PUT /api/alerts/{name}',
  'POST /api/templates/{id}/use',
]);
/** Writes without a parameter: each acts on the caller's tenant only (events are checked below). */
const OWN_WRITES = new Set([
  'POST /api/workflows',
  'POST /api/plan',
  'POST /api/demo',
  'POST /api/keys',
  'POST /api/events',
  'POST /api/tenants',
  'POST /api/members',
]);

describe("tenant isolation: A's key on every route of the document", () => {
  it("every route naming one of B's objects answers 404; every list and feed shows none of them", async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(40);
    const secretsOfB = [
      B.run,
      B.approval,
      B.agent,
      B.secret,
      B.key,
      B.plan,
      B.member,
      'b subject',
      'b delivery',
      'b alert message',
      B.alert,
      `/${B.workflow}`,
    ];
    const walked: string[] = [];
    for (const op of ops) {
      const key = `${op.method} ${op.path}`;
      if (op.path === '/api/health' || op.path === '/api/schema/workflow.json' || op.path === '/api/tenants') continue;
      if (op.path === '/api/live/runs') continue; // a stream: read below
      const init: RequestInit = {
        method: op.method,
        ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body: JSON.stringify(BODIES[key] ?? {}) }),
      };
      if (op.path.startsWith('/api/tenants/')) {
        // The deployment's own routes: a tenant's key (even an admin's) is refused before any lookup.
        const res = await a(op.path.replace(/^\/api/, '').replace('{id}', bTenant), init);
        expect(res.status, `${key} with B's tenant`).toBe(403);
        walked.push(key);
        continue;
      }
      if (op.path.startsWith('/api/analytics/') && op.path.includes('{')) {
        // Analytics of a name: A's own rollups (none), never B's.
        const name = op.path.includes('/agents/') ? B.agent : B.workflow;
        const res = await a(op.path.replace(/^\/api/, '').replace('{name}', name));
        expect(res.status, key).toBe(200);
        expect(((await res.json()) as { totals: { runs: number } }).totals.runs, key).toBe(0);
        walked.push(key);
        continue;
      }
      if (op.path.includes('{')) {
        if (CREATES.has(key)) continue; // below
        const res = await a(withB(op.path), {
          ...init,
          ...(op.path === '/api/live/runs/{id}' ? { headers: { upgrade: 'websocket' } } : {}),
        });
        const answer = await res.clone().text();
        expect(res.status, `${key} with B's object: ${answer}`).toBe(404);
        // The control: B itself reads the same object (the walk names real objects).
        if (op.method === 'GET' && op.path !== '/api/live/runs/{id}')
          expect((await b(withB(op.path))).status, `${key} for B itself`).toBe(200);
        expect(await res.text(), key).not.toContain('b-secret-value');
      } else if (op.method === 'GET') {
        const res = await a(op.path.replace(/^\/api/, ''));
        expect(res.status, key).toBe(200);
        const text = await res.text();
        for (const s of secretsOfB) expect(text, `${key} shows B's ${s}`).not.toContain(s);
      } else {
        expect(OWN_WRITES.has(key), `${key}: a write without a parameter the walk does not know`).toBe(true);
        continue;
      }
      walked.push(key);
    }
    expect(walked.length).toBeGreaterThan(25);
  });

  it("A's event of B's type reaches no run of B; what A puts under B's names is A's own", async () => {
    const events = await a('/events', { method: 'POST', body: JSON.stringify({ type: 'b.ready', data: {} }) });
    expect(events.status).toBe(202);
    expect(await events.json()).toMatchObject({ delivered: 0 });
    const putA = await a(`/workflows/${B.workflow}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: `name: ${B.workflow}\nsteps:\n  - { id: s, sleep: 1ms }\n`,
    });
    expect(putA.status).toBe(201);
    expect(await putA.json()).toMatchObject({ version: 1 });
    expect(
      (await a(`/secrets/${B.secret}`, { method: 'PUT', body: JSON.stringify({ value: 'a-value' }) })).status,
    ).toBe(201);
    expect(
      (await a('/members', { method: 'POST', body: JSON.stringify({ email: B.member, role: 'admin' }) })).status,
    ).toBe(201);
    expect(
      (await a(`/alerts/${B.alert}`, { method: 'PUT', body: JSON.stringify({ type: 'cost_over', usd: 1 }) })).status,
    ).toBe(201);
    // B's are as they were.
    expect(((await (await b(`/alerts/${B.alert}`)).json()) as { rule: { type: string } }).rule.type).toBe('run_failed');
    expect(await (await b('/members')).json()).toEqual([expect.objectContaining({ email: B.member, role: 'viewer' })]);
    const bFlow = (await (await b(`/workflows/${B.workflow}`)).json()) as { version: number; source: string };
    expect(bFlow.version).toBe(1);
    expect(bFlow.source).toContain('approval');
    const bRun = (await (await b(`/runs/${B.run}`)).json()) as { status: string };
    expect(bRun.status).toBe('waiting');
  });

  it("A's live feed of runs carries none of B's", async () => {
    const feed = await SELF.fetch('http://baton.test/api/live/runs', {
      headers: { authorization: `Bearer ${tokens.get('Isolation A')}` },
    });
    expect(feed.status).toBe(200);
    const reader = feed.body!.getReader();
    let text = '';
    while (!text.includes('event: runs')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toContain('event: runs');
    expect(text).not.toContain(B.run);
  });

  it("a signed-in member of A gets 404 for B's run, approval and live feed, and sees none of B's runs", async () => {
    expect(
      (await a('/members', { method: 'POST', body: JSON.stringify({ email: 'a-person@a.example', role: 'admin' }) }))
        .status,
    ).toBe(201);
    const member = withCookie(await signIn('a-person@a.example'));
    expect(await (await member('/me')).json()).toMatchObject({ role: 'admin', actor: { name: 'a-person@a.example' } });
    expect((await member(`/runs/${B.run}`)).status).toBe(404);
    expect((await member(`/approvals/${encodeURIComponent(B.approval)}`)).status).toBe(404);
    expect(
      (await member(`/approvals/${encodeURIComponent(B.approval)}`, { method: 'POST', body: '{"decision":"approve"}' }))
        .status,
    ).toBe(404);
    expect((await member(`/live/runs/${B.run}`, { headers: { upgrade: 'websocket' } })).status).toBe(404);
    expect(await (await member('/runs')).text()).not.toContain(B.run);
    expect(((await (await b(`/runs/${B.run}`)).json()) as { status: string }).status).toBe('waiting');
  });
});
