import { createScheduledController, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { api, apiAs, eventually, rawEmail, receive, waitForRun, type RunBody } from '../support/helpers';

type NewTenant = { tenant: { id: string; retentionDays: number }; key: { token: string } };

async function newTenant(name: string, body: Record<string, unknown> = {}): Promise<NewTenant> {
  const res = await api('/tenants', { method: 'POST', body: JSON.stringify({ name, ...body }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as NewTenant;
}

/** Registers an http agent, a secret and an email-triggered workflow ending in an approval, as `call`. */
async function seed(call: ReturnType<typeof apiAs>, alias: string): Promise<void> {
  const ok = async (res: Promise<Response>) => {
    const r = await res;
    expect(r.status, await r.clone().text()).toBeLessThan(300);
  };
  await ok(
    call('/agents/tagger', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'http', config: { url: `${env.TEST_AGENT_URL}/agents/tag/T` } }),
    }),
  );
  await ok(
    call('/secrets/NOTE_KEY', { method: 'PUT', body: JSON.stringify({ value: 'k-1', hosts: ['api.example.com'] }) }),
  );
  await ok(
    call(`/workflows/${alias}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: `name: ${alias}\ntriggers: [ { email: { alias: ${alias} } } ]\nsteps:\n  - { id: a, agent: tagger, input: "{{ trigger.email.subject }}" }\n  - { id: ok, approval: { assignees: [lead@example.com], message: "Fine?" } }\n`,
    }),
  );
}

let n = 0;
/** Emails the alias at `domain`; answers the run it started. */
async function mailRun(alias: string, domain: string): Promise<string> {
  const bytes = rawEmail(
    {
      From: 'lead@example.com',
      To: `${alias}@${domain}`,
      Subject: `Report ${++n}`,
      'Message-ID': `<life-${n}-${Date.now()}@example.com>`,
    },
    'Please.',
  );
  const outcome = await receive(bytes, { from: 'lead@example.com', to: `${alias}@${domain}` });
  expect(outcome.status, outcome.reason).toBe('accepted');
  return outcome.runId!;
}

/** Approves the run's pending approval as `call`, then waits for the run to complete. */
async function approveAndFinish(call: ReturnType<typeof apiAs>, runId: string, token: string): Promise<RunBody> {
  const approval = await eventually(async () => {
    const list = (await (await call('/approvals?status=pending')).json()) as { id: string; runId: string }[];
    return list.find((a) => a.runId === runId);
  });
  const res = await call(`/approvals/${approval.id}`, {
    method: 'POST',
    body: JSON.stringify({ decision: 'approve' }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return waitForRun(runId, 15_000, token);
}

/** Every D1 table with a tenant_id column, as SQLite lists them. */
async function tenantTables(): Promise<string[]> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
  ).all<{ name: string }>();
  const out: string[] = [];
  for (const { name } of tables.results) {
    const cols = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
    if (cols.results.some((c) => c.name === 'tenant_id')) out.push(name);
  }
  return out;
}
const rowsOf = async (table: string, tenantId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM "${table}" WHERE tenant_id = ?`)
    .bind(tenantId)
    .first<{ n: number }>())!.n;
const snapshotOf = (runId: string) => env.RUNS.get(env.RUNS.idFromName(runId)).snapshot();

describe('data lifecycle', () => {
  it('export answers the run, its steps with attempts, its D1 attempts, approvals and messages as one JSON', async () => {
    const { tenant, key } = await newTenant('Exporter', { email_domains: ['exporter.test'] });
    const call = apiAs(key.token);
    await seed(call, 'report');
    const runId = await mailRun('report', 'exporter.test');
    expect((await approveAndFinish(call, runId, key.token)).status).toBe('completed');
    await eventually(async () => {
      const list = (await (await call(`/runs/${runId}/messages`)).json()) as { direction: string }[];
      return list.some((m) => m.direction === 'outbound') ? list : null;
    });
    const res = await call(`/runs/${runId}/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`${runId}.json`);
    const doc = (await res.json()) as {
      format: string;
      run: RunBody;
      attempts: { stepId: string; agent: string | null }[];
      approvals: { status: string; decidedBy: string }[];
      messages: { direction: string; raw: string | null }[];
    };
    expect(doc.format).toBe('baton.run-export/v1');
    expect(doc.run).toMatchObject({ id: runId, status: 'completed' });
    expect(doc.run.steps.map((s) => s.id)).toEqual(['a', 'ok']);
    expect(doc.run.steps[0]!.history.length).toBeGreaterThan(0);
    expect(doc.attempts).toContainEqual(expect.objectContaining({ stepId: 'a', agent: 'tagger' }));
    expect(doc.approvals).toEqual([expect.objectContaining({ status: 'approved' })]);
    expect(doc.messages.map((m) => m.direction)).toEqual(expect.arrayContaining(['inbound', 'outbound']));
    expect(doc.messages.find((m) => m.direction === 'inbound')!.raw).toContain('Subject: Report');
    // Another tenant's key does not see it.
    expect((await api(`/runs/${runId}/export`)).status).toBe(404);
    expect(tenant.retentionDays).toBe(90);
  });

  it("the daily handler deletes runs, attempts, messages and deliveries older than the tenant's retention, with their RunObject storage", async () => {
    const { tenant, key } = await newTenant('Forgetful', { email_domains: ['forgetful.test'], retention_days: 2 });
    expect(tenant.retentionDays).toBe(2);
    const call = apiAs(key.token);
    await seed(call, 'digest');
    const [old, fresh] = [await mailRun('digest', 'forgetful.test'), await mailRun('digest', 'forgetful.test')];
    await approveAndFinish(call, old, key.token);
    await approveAndFinish(call, fresh, key.token);
    const longAgo = new Date(Date.now() - 5 * 86_400_000).toISOString();
    await env.DB.batch([
      env.DB.prepare('UPDATE runs SET created_at = ?, ended_at = ? WHERE id = ?').bind(longAgo, longAgo, old),
      env.DB.prepare('UPDATE messages SET created_at = ? WHERE tenant_id = ? AND run_id IS NULL').bind(
        longAgo,
        tenant.id,
      ),
      env.DB.prepare(
        "INSERT INTO messages (id, tenant_id, direction, status, from_addr, to_addr, date, created_at) VALUES ('msg_old_unlinked', ?, 'inbound', 'rejected', 'x@example.com', 'digest@forgetful.test', ?, ?)",
      ).bind(tenant.id, longAgo, longAgo),
    ]);
    expect(await snapshotOf(old)).not.toBeNull();
    // A tick outside the hour does nothing; one at 03:10 UTC sweeps.
    const day = new Date();
    const at = (h: number) => Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, 10);
    await worker.scheduled!(createScheduledController({ scheduledTime: at(5), cron: '* * * * *' }), env);
    expect((await call(`/runs/${old}`)).status).toBe(200);
    await worker.scheduled!(createScheduledController({ scheduledTime: at(3), cron: '* * * * *' }), env);
    expect((await call(`/runs/${old}`)).status).toBe(404);
    expect(await snapshotOf(old)).toBeNull();
    for (const table of ['step_attempts', 'approvals', 'messages', 'event_waits'])
      expect(
        (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).bind(old).first<{ n: number }>())!
          .n,
        table,
      ).toBe(0);
    expect(await env.DB.prepare("SELECT id FROM messages WHERE id = 'msg_old_unlinked'").first()).toBeNull();
    // The fresh run is kept, whole.
    expect((await call(`/runs/${fresh}`)).status).toBe(200);
    expect(await snapshotOf(fresh)).not.toBeNull();
    expect((await (await call(`/runs/${fresh}/messages`)).json()) as unknown[]).not.toHaveLength(0);
  });

  it('deleting a tenant leaves no row with its id in any table, and no RunObject storage', async () => {
    const { tenant, key } = await newTenant('Leaving', { email_domains: ['leaving.test'] });
    const call = apiAs(key.token);
    await seed(call, 'weekly');
    await call('/members', { method: 'POST', body: JSON.stringify({ email: 'lead@example.com', role: 'approver' }) });
    await call('/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', role: 'viewer' }) });
    const done = await mailRun('weekly', 'leaving.test');
    await approveAndFinish(call, done, key.token);
    const waiting = await mailRun('weekly', 'leaving.test');
    await eventually(
      async () => ((await snapshotOf(waiting)) as { status?: string } | null)?.status === 'waiting' || null,
    );
    const tables = await tenantTables();
    expect(tables.length).toBeGreaterThan(15);
    const before = await Promise.all(tables.map((t) => rowsOf(t, tenant.id)));
    expect(before.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);

    expect((await call(`/tenants/${tenant.id}`, { method: 'DELETE' })).status).toBe(403); // a tenant admin is not the deployment's
    expect((await api('/tenants/default', { method: 'DELETE' })).status).toBe(409);
    expect((await api(`/tenants/${tenant.id}`, { method: 'DELETE' })).status).toBe(204);

    const left = Object.fromEntries(
      await Promise.all(tables.map(async (t) => [t, await rowsOf(t, tenant.id)] as const)),
    );
    expect(
      Object.values(left).every((n) => n === 0),
      JSON.stringify(left),
    ).toBe(true);
    expect(await env.DB.prepare('SELECT id FROM tenants WHERE id = ?').bind(tenant.id).first()).toBeNull();
    expect(await snapshotOf(done)).toBeNull();
    expect(await snapshotOf(waiting)).toBeNull();
    expect((await call('/runs')).status).toBe(401);
    expect((await api(`/tenants/${tenant.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('PATCH /api/tenants/:id changes the retention; DELETE /api/workflows/:name archives: no new runs, history kept, PUT restores', async () => {
    const { tenant, key } = await newTenant('Archivist', { email_domains: ['archivist.test'] });
    const patched = await api(`/tenants/${tenant.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ retention_days: 30 }),
    });
    expect(await patched.json()).toMatchObject({ id: tenant.id, retentionDays: 30 });
    const call = apiAs(key.token);
    await seed(call, 'monthly');
    const runId = await mailRun('monthly', 'archivist.test');
    const archived = await call('/workflows/monthly', { method: 'DELETE' });
    expect(archived.status).toBe(200);
    expect(await archived.json()).toMatchObject({ name: 'monthly', archivedAt: expect.any(String) });
    const start = await call('/workflows/monthly/runs', { method: 'POST', body: '{}' });
    expect(start.status).toBe(409);
    expect(((await start.json()) as { error: { message: string } }).error.message).toContain('archived');
    const bytes = rawEmail(
      {
        From: 'lead@example.com',
        To: 'monthly@archivist.test',
        Subject: 'x',
        'Message-ID': `<arch-${Date.now()}@example.com>`,
      },
      'x',
    );
    expect(await receive(bytes, { from: 'lead@example.com', to: 'monthly@archivist.test' })).toMatchObject({
      status: 'rejected',
      reason: 'unknown_alias: monthly',
    });
    expect((await call(`/runs/${runId}`)).status).toBe(200);
    const listed = (await (await call('/workflows')).json()) as {
      workflows: { name: string; archivedAt: string | null }[];
    };
    expect(listed.workflows.find((w) => w.name === 'monthly')?.archivedAt).toEqual(expect.any(String));
    await seed(call, 'monthly');
    expect((await (await call('/workflows/monthly')).json()) as { archivedAt: null; version: number }).toMatchObject({
      archivedAt: null,
      version: 2,
    });
    expect((await call('/workflows/monthly/runs', { method: 'POST', body: '{}' })).status).toBe(202);
  });
});
