import { describe, expect, it } from 'vitest';
import { api, apiAs } from '../support/helpers';

type NewKey = { id: string; name: string; role: string; token: string; expiresAt: string | null };
type Listed = { id: string; name: string; role: string; lastUsedAt: string | null; revokedAt: string | null };

const as = apiAs;

async function newTenant(name: string, emailDomains?: string[]) {
  const res = await api('/tenants', {
    method: 'POST',
    body: JSON.stringify({ name, ...(emailDomains ? { email_domains: emailDomains } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { tenant: { id: string; name: string; emailDomains: string[] }; key: NewKey };
}

async function newKey(call: ReturnType<typeof as>, body: Record<string, unknown>): Promise<NewKey> {
  const res = await call('/keys', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as NewKey;
}

/** A workflow of one short sleep (no agent: the tenants here register none). */
const yaml = (name: string) => `name: ${name}\nsteps:\n  - { id: a, sleep: 1ms }\n`;

describe('tenants and API keys', () => {
  it("the deployment's ADMIN_TOKEN creates a tenant and its first admin key, shown once as bat_…", async () => {
    const { tenant, key } = await newTenant('Acme', ['acme.example']);
    expect(tenant).toMatchObject({ name: 'Acme', emailDomains: ['acme.example'] });
    expect(key).toMatchObject({ role: 'admin', expiresAt: null });
    expect(key.token).toMatch(/^bat_[A-Za-z0-9_-]{43}$/);
    const listed = (await (await as(key.token)('/keys')).json()) as Listed[];
    expect(listed.map((k) => k.id)).toEqual([key.id]);
    expect(JSON.stringify(listed)).not.toContain(key.token);
    // A tenant's admin is not the deployment's: it cannot create or list tenants.
    expect((await as(key.token)('/tenants', { method: 'POST', body: '{"name":"x"}' })).status).toBe(403);
    expect((await as(key.token)('/tenants')).status).toBe(403);
    const all = (await (await api('/tenants')).json()) as { id: string }[];
    expect(all.map((t) => t.id)).toContain(tenant.id);
  });

  it('an email domain belongs to one tenant; a bad one is refused naming the field', async () => {
    await newTenant('Dom one', ['one.example']);
    const again = await api('/tenants', {
      method: 'POST',
      body: JSON.stringify({ name: 'Dom two', email_domains: ['ONE.example'.toLowerCase()] }),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toContain('one.example');
    const bad = await api('/tenants', {
      method: 'POST',
      body: JSON.stringify({ name: 'Bad', email_domains: ['not a domain'] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('email_domains');
  });

  it("a tenant's workflows are its own: the other tenant gets 404 and an empty list", async () => {
    const a = as((await newTenant('Iso A')).key.token);
    const b = as((await newTenant('Iso B')).key.token);
    const put = await a('/workflows/only-a', {
      method: 'PUT',
      body: yaml('only-a'),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(put.status, await put.clone().text()).toBe(201);
    expect((await a('/workflows/only-a')).status).toBe(200);
    expect((await b('/workflows/only-a')).status).toBe(404);
    expect(((await (await b('/workflows')).json()) as { workflows: unknown[] }).workflows).toEqual([]);
    expect(
      ((await (await a('/workflows')).json()) as { workflows: { name: string }[] }).workflows.map((w) => w.name),
    ).toEqual(['only-a']);
    expect((await b('/workflows/only-a/runs', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await api('/workflows/only-a')).status).toBe(404); // the default tenant's admin neither
  });

  it('roles: an editor changes workflows but starts no run; an operator starts runs but changes no workflow; a viewer writes nothing', async () => {
    const admin = as((await newTenant('Roles')).key.token);
    const editor = as((await newKey(admin, { name: 'ed', role: 'editor' })).token);
    const operator = as((await newKey(admin, { name: 'op', role: 'operator' })).token);
    const viewer = as((await newKey(admin, { name: 'view', role: 'viewer' })).token);
    const approver = as((await newKey(admin, { name: 'appr', role: 'approver' })).token);
    const putBy = (call: typeof admin) =>
      call('/workflows/roles-wf', {
        method: 'PUT',
        body: yaml('roles-wf'),
        headers: { 'content-type': 'application/yaml' },
      });
    expect((await putBy(editor)).status).toBe(201);
    expect((await putBy(operator)).status).toBe(403);
    expect((await putBy(viewer)).status).toBe(403);
    expect((await putBy(approver)).status).toBe(403);
    const start = (call: typeof admin) => call('/workflows/roles-wf/runs', { method: 'POST', body: '{}' });
    expect((await start(editor)).status).toBe(403);
    expect((await start(viewer)).status).toBe(403);
    expect((await start(operator)).status).toBe(202);
    for (const call of [editor, operator, viewer, approver]) {
      expect((await call('/runs')).status).toBe(200);
      expect((await call('/keys')).status).toBe(403);
      expect((await call('/keys', { method: 'POST', body: '{"name":"x","role":"admin"}' })).status).toBe(403);
    }
  });

  it('an editor deletes a secret (then it is gone, a second delete is 404); a viewer or operator may not', async () => {
    const admin = as((await newTenant('Secrets')).key.token);
    const editor = as((await newKey(admin, { name: 'sec-ed', role: 'editor' })).token);
    const viewer = as((await newKey(admin, { name: 'sec-view', role: 'viewer' })).token);
    const operator = as((await newKey(admin, { name: 'sec-op', role: 'operator' })).token);
    const put = await editor('/secrets/GONE_SOON', { method: 'PUT', body: JSON.stringify({ value: 'v1' }) });
    expect(put.status).toBe(201);
    expect((await viewer('/secrets/GONE_SOON', { method: 'DELETE' })).status).toBe(403);
    expect((await operator('/secrets/GONE_SOON', { method: 'DELETE' })).status).toBe(403);
    expect((await editor('/secrets/GONE_SOON', { method: 'DELETE' })).status).toBe(204);
    expect(JSON.stringify(await (await admin('/secrets')).json())).not.toContain('GONE_SOON');
    expect((await editor('/secrets/GONE_SOON', { method: 'DELETE' })).status).toBe(404);
  });

  it('a revoked key answers 401 on its next request; its last use is listed', async () => {
    const admin = as((await newTenant('Revoke')).key.token);
    const key = await newKey(admin, { name: 'ci', role: 'viewer' });
    expect((await as(key.token)('/runs')).status).toBe(200);
    const listed = ((await (await admin('/keys')).json()) as Listed[]).find((k) => k.id === key.id)!;
    expect(listed.lastUsedAt).not.toBeNull();
    expect((await admin(`/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    const res = await as(key.token)('/runs');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('revoked');
    expect(((await (await admin('/keys')).json()) as Listed[]).find((k) => k.id === key.id)!.revokedAt).not.toBeNull();
    // Another tenant's key id is not found, and stays valid.
    const other = as((await newTenant('Revoke other')).key.token);
    const otherKey = await newKey(other, { name: 'theirs', role: 'viewer' });
    expect((await admin(`/keys/${otherKey.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as(otherKey.token)('/runs')).status).toBe(200);
  });

  it('a key past its expires_at answers 401', async () => {
    const admin = as((await newTenant('Expiry')).key.token);
    const key = await newKey(admin, {
      name: 'short',
      role: 'viewer',
      expires_at: new Date(Date.now() + 800).toISOString(),
    });
    expect((await as(key.token)('/runs')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 900));
    const res = await as(key.token)('/runs');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('expired');
  });
});
