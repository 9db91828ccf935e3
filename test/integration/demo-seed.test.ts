import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { getWorkflowVersion } from '../../src/adapter/cloudflare/d1/workflows';
import { DEMO_WORKFLOW_YAML } from '../../src/demo/demo';
import { seedDemo } from '../../src/demo/seed';
import { registerWorkflow } from '../../src/http/register-workflow';
import { api } from '../support/helpers';

type Agent = { provider: string; description?: string; config: Record<string, unknown>; updatedAt: string };
const seed = async () =>
  (await api('/demo', { method: 'POST' })).json() as Promise<{
    agents: Record<string, string>;
    workflow: { outcome: string; version?: number };
  }>;
const agent = async (name: string) => (await (await api(`/agents/${name}`)).json()) as Agent;
const mine = {
  provider: 'http',
  description: 'my own research service',
  config: { url: 'https://research.example.com/agent' },
};
const USER_YAML = DEMO_WORKFLOW_YAML.replace('timeout: 2m', 'timeout: 7m');

describe('the demo seed (POST /api/demo, what npm start calls) writes only what is absent (issue 14, item 6)', () => {
  it('creates the demo on first start, and a second start replaces nothing the user changed', async () => {
    expect(await seed()).toEqual({
      agents: { research: 'created', summarize: 'created', draft: 'created', proofread: 'created' },
      workflow: { name: 'competitor-analysis', outcome: 'created', version: 1 },
    });
    expect(await agent('research')).toMatchObject({ provider: 'builtin', config: { tool: 'research' } });

    expect((await api('/agents/research', { method: 'PUT', body: JSON.stringify(mine) })).status).toBe(200);
    const changed = await agent('research');
    expect(
      (
        await api('/workflows/competitor-analysis', {
          method: 'PUT',
          body: USER_YAML,
          headers: { 'content-type': 'application/yaml' },
        })
      ).status,
    ).toBe(201);

    expect(await seed()).toEqual({
      agents: { research: 'kept', summarize: 'kept', draft: 'kept', proofread: 'kept' },
      workflow: { name: 'competitor-analysis', outcome: 'kept', version: 2 },
    });
    expect(await agent('research')).toEqual(changed);
    const wf = await getWorkflowVersion(database(env.DB), 'default', 'competitor-analysis');
    expect([wf?.version, wf?.source]).toEqual([2, USER_YAML]);
  });

  it('with a model configured, switches only the demo agents still exactly as the offline seed wrote them', async () => {
    const db = database(env.DB);
    const tenant = 'switch-tenant';
    await seedDemo(db, tenant, {}, '2026-01-01T00:00:00.000Z');
    await db.run(`UPDATE agents SET config = '{"tool":"echo"}' WHERE tenant_id = '${tenant}' AND name = 'draft'`);
    const report = await seedDemo(
      db,
      tenant,
      { baseUrl: 'https://llm.example.com/v1', model: 'm-1', apiKey: 'k' },
      '2026-01-02T00:00:00.000Z',
    );
    expect(report.agents).toEqual({
      research: 'switched',
      summarize: 'switched',
      draft: 'kept',
      proofread: 'switched',
    });
    const rows = await env.DB.prepare('SELECT name, provider, config FROM agents WHERE tenant_id = ? ORDER BY name')
      .bind(tenant)
      .all<{ name: string; provider: string; config: string }>();
    expect(
      rows.results.map((r) => [r.name, r.provider, JSON.parse(r.config).model ?? JSON.parse(r.config).tool]),
    ).toEqual([
      ['draft', 'builtin', 'echo'],
      ['proofread', 'openai', 'm-1'],
      ['research', 'openai', 'm-1'],
      ['summarize', 'openai', 'm-1'],
    ]);
    // The switched research agent gets the fetch tool (issue 16, item 7); the others get no tools.
    const loops = await env.DB.prepare('SELECT name, loop FROM agents WHERE tenant_id = ? ORDER BY name')
      .bind(tenant)
      .all<{ name: string; loop: string | null }>();
    expect(loops.results.map((r) => [r.name, r.loop && JSON.parse(r.loop).tools[0].http.name])).toEqual([
      ['draft', null],
      ['proofread', null],
      ['research', 'fetch_url'],
      ['summarize', null],
    ]);
    // Once switched, a later start with another model leaves them alone: only the offline seed's exact record is switched.
    expect(
      (await seedDemo(db, tenant, { baseUrl: 'https://llm.example.com/v1', model: 'm-2' }, '2026-01-03T00:00:00.000Z'))
        .agents.research,
    ).toBe('kept');
  });

  it("races harmlessly: a user's workflow registered while the seed runs is never replaced, in any interleaving", async () => {
    const db = database(env.DB);
    const users = [11, 12, 13].map((n) => USER_YAML.replace('timeout: 7m', `timeout: ${n}m`)); // never the demo's own 2m
    for (let i = 0; i < 10; i++) {
      const tenant = `race-${i}`;
      await seedDemo(db, tenant, {}, '2026-01-01T00:00:00.000Z'); // the agents; the workflow is removed to race its creation
      await env.DB.batch(
        ['workflow_versions', 'workflows', 'triggers'].map((t) =>
          env.DB.prepare(`DELETE FROM ${t} WHERE tenant_id = ?`).bind(tenant),
        ),
      );
      const [seeded] = await Promise.all([
        seedDemo(db, tenant, {}, '2026-01-01T00:00:00.000Z'),
        ...users.map((yaml) =>
          registerWorkflow(db, tenant, yaml, 'yaml', { name: 'competitor-analysis' }).catch(() => null),
        ),
      ]);
      const versions = await env.DB.prepare(
        'SELECT version, source FROM workflow_versions WHERE tenant_id = ? ORDER BY version',
      )
        .bind(tenant)
        .all<{ version: number; source: string }>();
      const demoVersions = versions.results.filter((v) => v.source === DEMO_WORKFLOW_YAML).map((v) => v.version);
      // The seed wrote version 1 or nothing: never a version on top of a user's.
      expect(demoVersions).toEqual(seeded.workflow.outcome === 'created' ? [1] : []);
    }
  });

  it('POST /api/workflows six times at once: one 201, the others 409 (never a 500, never a second version)', async () => {
    for (let round = 0; round < 10; round++) {
      const yaml = `name: at-once-${round}\nsteps: [ { id: s, sleep: 1s } ]`;
      const post = () =>
        api('/workflows', { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } });
      const statuses = (await Promise.all(Array.from({ length: 6 }, post))).map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
      expect((await getWorkflowVersion(database(env.DB), 'default', `at-once-${round}`))?.latestVersion).toBe(1);
    }
  });
});
