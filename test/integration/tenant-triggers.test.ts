import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, deliver, eventually, rawEmail, apiAs } from '../support/helpers';

/** Email to a tenant's domain and webhooks to its workflows reach that tenant, and only it. */
const as = apiAs;

async function tenant(name: string, emailDomains: string[] = []) {
  const res = await api('/tenants', { method: 'POST', body: JSON.stringify({ name, email_domains: emailDomains }) });
  expect(res.status).toBe(201);
  const { tenant, key } = (await res.json()) as { tenant: { id: string }; key: { token: string } };
  return { id: tenant.id, call: as(key.token) };
}

const workflow = (name: string, trigger: string) => `name: ${name}
triggers:
  - ${trigger}
steps:
  - { id: s, sleep: 1ms }
`;

type Msg = { direction: string; status: string; runId: string | null; to: string };

describe('triggers reach their tenant', () => {
  it("an email to a tenant's domain starts that tenant's workflow; its log is the tenant's, not the default's", async () => {
    const acme = await tenant('Mail tenant', ['mail-acme.example']);
    const put = await acme.call('/workflows/acme-intel', {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: workflow('acme-intel', 'email: { alias: intel }'),
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const id = `<tenant-mail-${Date.now()}@sender.example>`;
    await deliver(
      rawEmail(
        {
          From: 'ann@sender.example',
          To: 'intel@mail-acme.example',
          Subject: 'Look',
          'Message-ID': id,
          Date: new Date().toUTCString(),
        },
        'hi',
      ),
      { from: 'ann@sender.example', to: 'intel@mail-acme.example' },
    );
    const runs = await eventually(async () => {
      const list = (
        (await (await acme.call('/runs?workflow=acme-intel')).json()) as { runs: { id: string; status: string }[] }
      ).runs;
      return list.length ? list : undefined;
    });
    expect(runs).toHaveLength(1);
    const mine = ((await (await acme.call('/messages')).json()) as { messages: Msg[] }).messages;
    expect(mine.find((m) => m.direction === 'inbound')).toMatchObject({ status: 'accepted', runId: runs[0]!.id });
    const theirs = JSON.stringify(await (await api('/messages')).json());
    expect(theirs).not.toContain(runs[0]!.id);
    expect((await api(`/runs/${runs[0]!.id}`)).status).toBe(404);
  });

  it("an alias prefix: <prefix>…@ a shared domain is the tenant's; aliases outside it, or inside another's, are refused", async () => {
    const make = (body: Record<string, unknown>) => api('/tenants', { method: 'POST', body: JSON.stringify(body) });
    const res = await make({ name: 'Prefixed', alias_prefix: 'pfx-' });
    expect(res.status, await res.clone().text()).toBe(201);
    const { tenant: made, key } = (await res.json()) as {
      tenant: { id: string; aliasPrefix: string };
      key: { token: string };
    };
    expect(made.aliasPrefix).toBe('pfx-');
    const call = as(key.token);
    const put = (who: typeof call, name: string, alias: string) =>
      who(`/workflows/${name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/yaml' },
        body: workflow(name, `email: { alias: ${alias} }`),
      });
    const outside = await put(call, 'pfx-out', 'intel');
    expect(outside.status).toBe(400);
    expect(await outside.text()).toContain('triggers[0].email.alias');
    expect((await put(call, 'pfx-in', 'pfx-intel')).status).toBe(201);
    const intruder = await put(api, 'default-in-pfx', 'pfx-weekly');
    expect(intruder.status).toBe(400);
    expect(await intruder.text()).toContain("another tenant's alias prefix");
    // Prefixes may not overlap, nor take an alias registered already.
    expect((await make({ name: 'Overlap', alias_prefix: 'pfx-eu-' })).status).toBe(409);
    expect((await put(api, 'default-shared', 'shared-news')).status).toBe(201);
    expect((await make({ name: 'Taker', alias_prefix: 'shared-' })).status).toBe(409);

    const id = `<prefix-mail-${Date.now()}@sender.example>`;
    await deliver(
      rawEmail({ From: 'ann@sender.example', To: 'pfx-intel@baton.local', Subject: 'Look', 'Message-ID': id }, 'hi'),
      { from: 'ann@sender.example', to: 'pfx-intel@baton.local' },
    );
    const runs = await eventually(async () => {
      const list = ((await (await call('/runs?workflow=pfx-in')).json()) as { runs: { id: string }[] }).runs;
      return list.length ? list : undefined;
    });
    expect(runs).toHaveLength(1);
    const theirs = JSON.stringify(await (await api('/messages')).json());
    expect(theirs).not.toContain(id);
  });

  it("a webhook to /hooks/<tenant>/<workflow> starts that tenant's run; /hooks/<workflow> is the default tenant's", async () => {
    const hooks = await tenant('Hook tenant');
    const put = await hooks.call('/workflows/hooked', {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: workflow('hooked', 'webhook: { signature: none, allow_unsigned: true }'),
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const res = await SELF.fetch(`http://baton.test/hooks/${hooks.id}/hooked`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect((await hooks.call(`/runs/${runId}?steps=false`)).status).toBe(200);
    expect((await api(`/runs/${runId}?steps=false`)).status).toBe(404);
    const deliveries = JSON.stringify(await (await hooks.call('/deliveries')).json());
    expect(deliveries).toContain(runId);
    // The default tenant has no workflow of that name: its path answers 404.
    expect((await SELF.fetch('http://baton.test/hooks/hooked', { method: 'POST', body: '{}' })).status).toBe(404);
    // An unknown tenant id likewise.
    expect(
      (await SELF.fetch('http://baton.test/hooks/t_0000000000000000/hooked', { method: 'POST', body: '{}' })).status,
    ).toBe(404);
  });
});
