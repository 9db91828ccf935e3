import { describe, expect, it } from 'vitest';
import { api, apiAs } from '../support/helpers';

type Entry = { actor: string; action: string; object: string; details: Record<string, unknown> | null; at: string };

const as = apiAs;

describe('the audit log', () => {
  it('records every change by the key that made it, the object, the version and where from; never a secret value; reads fail nothing and record nothing', async () => {
    const created = await api('/tenants', { method: 'POST', body: JSON.stringify({ name: 'Audited' }) });
    const admin = as(((await created.json()) as { key: { token: string } }).key.token);
    const editorKey = (await (
      await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'ed-audit', role: 'editor' }) })
    ).json()) as { id: string; token: string };
    const editor = as(editorKey.token);
    const put = (yaml: string) =>
      editor('/workflows/audited', {
        method: 'PUT',
        headers: {
          'content-type': 'application/yaml',
          'user-agent': 'audit-test/1',
          'cf-connecting-ip': '203.0.113.9',
        },
        body: yaml,
      });
    expect((await put('name: audited\nsteps: [ { id: a, sleep: 1ms } ]\n')).status).toBe(201);
    expect((await put('name: audited\nsteps: [ { id: b, sleep: 2ms } ]\n')).status).toBe(201);
    expect(
      (await editor('/secrets/AUDITED_KEY', { method: 'PUT', body: JSON.stringify({ value: 'sk-never-logged' }) }))
        .status,
    ).toBe(201);
    expect((await editor('/workflows/audited/runs', { method: 'POST', body: '{}' })).status).toBe(403); // refused: not recorded
    await editor('/workflows/audited');
    const all = (await (await admin('/audit')).json()) as Entry[];
    expect(JSON.stringify(all)).not.toContain('sk-never-logged');
    const onWorkflow = (await (await admin('/audit?object=audited')).json()) as Entry[];
    expect(onWorkflow.map((e) => [e.actor, e.action, e.details?.version])).toEqual([
      ['key:ed-audit', 'PUT /api/workflows/:name', 2],
      ['key:ed-audit', 'PUT /api/workflows/:name', 1],
    ]);
    expect(onWorkflow[0]!.details).toMatchObject({ status: 201, ip: '203.0.113.9', userAgent: 'audit-test/1' });
    const byEditor = (await (await admin(`/audit?actor=${encodeURIComponent('key:ed-audit')}`)).json()) as Entry[];
    expect(byEditor.map((e) => e.action)).toEqual([
      'PUT /api/secrets/:name',
      'PUT /api/workflows/:name',
      'PUT /api/workflows/:name',
    ]);
    // The admin's own change is there too, under its key's name; since= filters by time.
    const keyEntry = all.find((e) => e.action === 'POST /api/keys')!;
    expect(keyEntry).toMatchObject({ actor: 'key:first admin key', object: editorKey.id });
    const future = (await (
      await admin(`/audit?since=${new Date(Date.now() + 60_000).toISOString()}`)
    ).json()) as Entry[];
    expect(future).toEqual([]);
    // Only admins read it; another tenant's log is its own.
    expect((await editor('/audit')).status).toBe(403);
    expect(JSON.stringify(await (await api('/audit?object=audited')).json())).toBe('[]');
  });
});
