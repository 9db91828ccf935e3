import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import PostalMime from 'postal-mime';
import { sha256Hex } from '../../src/lib/hash';
import { createApp } from '../../src/http/app';
import { startRun as startRunDirect } from '../../src/adapter/cloudflare/triggers/start-run';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  TOKEN,
  type RecordedMessage,
  apiAs,
} from '../support/helpers';

/** Stores an API key with any role text, as a row in `api_keys` would hold it. */
async function keyWithRole(token: string, role: string): Promise<string> {
  await env.DB.prepare(
    'INSERT INTO api_keys (id, tenant_id, name, key_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
    .bind(`key-${token}`, 'default', token, await sha256Hex(token), role, '2026-01-01T00:00:00.000Z')
    .run();
  return token;
}
const as = apiAs;

async function hmacHex(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return [...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** Signed-link signatures, approval Message-ID MACs (base64url runs of 43 chars after `sig=` or a Message-ID's third dot) and reply-address tokens in a text. */
function secretsIn(json: string): string[] {
  const text = unsoft(json);
  const sigs = [...text.matchAll(/sig=(?:3D)?([A-Za-z0-9_-]{20,})/g)].map((m) => m[1]!);
  const macs = [...text.matchAll(/approval\.[A-Za-z0-9_-]+\.[A-Za-z0-9-]+\.([A-Za-z0-9_-]{20,})@/g)].map((m) => m[1]!);
  const tokens = [...text.matchAll(/\+([ac][a-z2-7]{31})@/gi)].map((m) => m[1]!);
  return [...sigs, ...macs, ...tokens];
}

/** A JSON answer with the quoted-printable soft line breaks of its raw emails (`=` CRLF, JSON-escaped) removed. */
function unsoft(json: string): string {
  return json.replace(/=\\r\\n/g, '');
}

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
});

describe('roles are a closed set, checked by an allow-list per route', () => {
  it.each(['Operator', 'Admin', 'admin ', 'superuser', ''])(
    'a key with role %j is refused with 403, reads included',
    async (role) => {
      const call = as(await keyWithRole(`role-${role.trim() || 'empty'}-${role.length}`, role));
      for (const [path, init] of [
        ['/runs', {}],
        ['/agents', {}],
        ['/agents/x', { method: 'PUT', body: JSON.stringify({ provider: 'builtin', config: { tool: 'echo' } }) }],
        ['/events', { method: 'POST', body: '{"type":"x"}' }],
      ] as const) {
        const res = await call(path, init);
        expect(res.status, `${init && 'method' in init ? init.method : 'GET'} ${path}`).toBe(403);
        expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
      }
    },
  );

  it('a viewer reads; every write (run control, approvals, events, secrets) answers 403', async () => {
    const viewer = as(await keyWithRole('viewer-writes', 'viewer'));
    expect((await viewer('/runs')).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/workflows'],
      ['POST', '/workflows/x/runs'],
      ['POST', '/runs/x/cancel'],
      ['POST', '/approvals/x'],
      ['POST', '/events'],
      ['PUT', '/secrets/X'],
    ] as const) {
      expect((await viewer(path, { method, body: '{}' })).status, `${method} ${path}`).toBe(403);
    }
  });

  it('every /api route has an entry in the roles table; a route without one is refused, even for an admin', async () => {
    const { PUBLIC_ROUTES, ROUTE_ROLES } = await import('../../src/http/access');
    const app = createApp();
    const routes = app.routes
      .filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`)
      .filter((r) => !PUBLIC_ROUTES.includes(r));
    expect(routes.filter((r) => !(r in ROUTE_ROLES))).toEqual([]);
    expect(Object.keys(ROUTE_ROLES).filter((r) => !routes.includes(r))).toEqual([]);
    app.get('/api/unlisted', (c) => c.json({ ok: true }));
    const res = await app.request('/api/unlisted', { headers: { authorization: `Bearer ${TOKEN}` } }, env);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('a viewer sees no signed link and no signature header', () => {
  const sigSecret = 'GH_HOOK_SECRET';
  let viewer: ReturnType<typeof as>;
  let runId: string;
  let approvalId: string;
  let xSig: string;

  beforeAll(async () => {
    viewer = as(await keyWithRole('viewer-reads', 'viewer'));
    await putWorkflow(
      'viewer-hook',
      `name: viewer-hook
triggers:
  - webhook: { signature: hmac-sha256, secret: ${sigSecret}, header: X-Sig, input: { topic: "{{ body.topic }}" } }
inputs: { topic: { type: string } }
steps:
  - { id: draft, agent: tagger, input: "{{ inputs.topic }}" }
  - id: review
    approval: { assignees: [lead@example.com], message: "Send {{ draft.output }}?", deadline: 1h }
`,
    );
    const body = '{"topic":"launch"}';
    xSig = await hmacHex("It's a Secret to Everybody", body);
    const res = await SELF.fetch('http://baton.test/hooks/viewer-hook', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-sig': xSig,
        authorization: 'Bearer hook-bearer-secret-1',
        cookie: 'session=hook-cookie-secret-1',
      },
    });
    expect(res.status).toBe(202);
    runId = ((await res.json()) as { runId: string }).runId;
    approvalId = await eventually(
      async () =>
        ((await (await api('/approvals?status=pending')).json()) as { id: string; runId: string }[]).find(
          (a) => a.runId === runId,
        )?.id,
    );
    await eventually(async () =>
      ((await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[]).find(
        (m) => m.direction === 'outbound',
      ),
    );
  });

  it('the admin sees the links (so this test can see a leak); the viewer sees the emails with every signature redacted', async () => {
    const adminMessages = await (await api(`/runs/${runId}/messages`)).text();
    const secrets = secretsIn(adminMessages);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    expect(secrets.some((s) => /^a[a-z2-7]{31}$/.test(s))).toBe(true);
    const res = await viewer(`/runs/${runId}/messages`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of secrets) expect(unsoft(text)).not.toContain(secret);
    expect(secretsIn(text)).toEqual([]);
    const list = JSON.parse(text) as RecordedMessage[];
    const mail = await PostalMime.parse(list.find((m) => m.direction === 'outbound')!.raw);
    expect(mail.text).toContain(`/hooks/approvals/${encodeURIComponent(approvalId)}?d=approve`);
    expect(mail.text).toContain('sig=redacted');
    expect(mail.html).toContain('sig=redacted');
  });

  it('nothing a viewer reads carries the webhook signature, the bearer token or the cookie', async () => {
    const adminSecrets = secretsIn(await (await api(`/runs/${runId}/messages`)).text());
    const paths = [
      `/runs/${runId}`,
      `/runs/${runId}?steps=false`,
      `/runs/${runId}/messages`,
      '/runs',
      '/deliveries',
      '/deliveries?workflow=viewer-hook',
      '/messages',
      '/approvals',
      `/approvals/${encodeURIComponent(approvalId)}`,
      '/workflows/viewer-hook',
      '/agents',
    ];
    for (const path of paths) {
      const res = await viewer(path);
      expect(res.status, path).toBe(200);
      const text = await res.text();
      for (const secret of [xSig, 'hook-bearer-secret-1', 'hook-cookie-secret-1', ...adminSecrets])
        expect(unsoft(text), `${path} leaks ${secret}`).not.toContain(secret);
    }
    const run = (await (await viewer(`/runs/${runId}`)).json()) as {
      trigger: { webhook: { headers: Record<string, string> } };
    };
    expect(run.trigger.webhook.headers['content-type']).toBe('application/json');
  });

  it('signature headers are not even stored: the run and the delivery record keep none of them', async () => {
    const run = (await (await api(`/runs/${runId}`)).json()) as {
      trigger: { webhook: { headers: Record<string, string> } };
    };
    expect(Object.keys(run.trigger.webhook.headers)).not.toContain('x-sig');
    const [delivery] = (await (await api('/deliveries?workflow=viewer-hook')).json()) as {
      headers: Record<string, string>;
    }[];
    expect(Object.keys(delivery!.headers)).not.toContain('x-sig');
    expect(JSON.stringify(delivery)).not.toContain(xSig);
  });

  it('a reply quoting the links (quoted-printable or base64) shows no link to a viewer', async () => {
    const adminList = (await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[];
    const mail = adminList.find((m) => m.direction === 'outbound')!;
    const link = /- Approve: (\S+)/.exec((await PostalMime.parse(mail.raw)).text!)![1]!;
    const qp = `Looks fine I guess\n\n> - Approve: ${link
      .match(/.{1,30}/g)!
      .map((part) => part.replace(/=/g, '=3D'))
      .join('=\n')}\n`;
    const b64 = btoa(`Hmm.\n\n> - Approve: ${link}\n`).replace(/(.{76})/g, '$1\n');
    const reply = (n: number, encoding: string, body: string) =>
      rawEmail(
        {
          From: 'lead@example.com',
          To: 'viewer-hook@baton.local',
          Subject: 'Re: approval',
          'Message-ID': `<quote-${n}-${runId}@example.com>`,
          'In-Reply-To': mail.messageId,
          References: mail.messageId,
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Transfer-Encoding': encoding,
        },
        body,
      );
    await receive(reply(1, 'quoted-printable', qp), { from: 'lead@example.com', to: 'viewer-hook@baton.local' });
    await receive(reply(2, 'base64', b64), { from: 'lead@example.com', to: 'viewer-hook@baton.local' });
    const sig = new URL(link).searchParams.get('sig')!;
    const text = await (await viewer(`/runs/${runId}/messages`)).text();
    expect(text).not.toContain(sig);
    expect(text.replace(/=\\r\\n/g, '')).not.toContain(sig);
    const inbound = (JSON.parse(text) as RecordedMessage[]).filter((m) => m.direction === 'inbound');
    expect(inbound.map((m) => m.messageId).sort()).toEqual([
      `<quote-1-${runId}@example.com>`,
      `<quote-2-${runId}@example.com>`,
    ]);
    // Quoted-printable: cut in place; base64: the source is withheld, as for one too large to keep.
    expect(inbound.find((m) => m.messageId.startsWith('<quote-1'))!.raw).toContain('sig=3Dredacted');
    expect(inbound.find((m) => m.messageId.startsWith('<quote-2'))!.raw).toBeNull();
  });
});

describe('a viewer sees no credential stored elsewhere', () => {
  it('agent and http step headers, and a signature header of an older record named by the trigger, are redacted', async () => {
    const viewer = as(await keyWithRole('viewer-other', 'viewer'));
    await putAgent('keyed', {
      provider: 'http',
      config: {
        url: `${env.TEST_AGENT_URL}/agents/tag/K`,
        headers: { Authorization: 'Bearer agent-secret-key-1', 'X-Team': 'blue' },
      },
    });
    await putWorkflow(
      'legacy-hook',
      `name: legacy-hook
triggers:
  - webhook: { signature: hmac-sha256, secret: GH_HOOK_SECRET, header: X-Hook-Proof }
inputs: { note: { type: string } }
steps:
  - { id: call, if: "{{ inputs.note = 'never' }}", http: { method: POST, url: "https://hooks.example.com/x", headers: { X-Api-Key: "step-secret-key-1" } } }
`,
    );
    // Recorded by an earlier version, which kept the configured signature header.
    const proof = 'legacy-proof-value-9f8e7d6c';
    await env.DB.prepare(
      "INSERT INTO deliveries (id, tenant_id, workflow_name, delivery_id, status, reason, run_id, headers, body_size, created_at) VALUES ('dlv_legacy', 'default', 'legacy-hook', 'd-1', 'accepted', NULL, NULL, ?, 2, '2026-01-01T00:00:00.000Z')",
    )
      .bind(JSON.stringify({ 'x-hook-proof': proof, 'content-type': 'application/json' }))
      .run();
    const { runId } = await startRunDirect(env, 'default', {
      workflow: 'legacy-hook',
      input: { note: `copied ${proof}` },
      idempotencyKey: 'legacy-1',
      trigger: {
        type: 'webhook',
        webhook: {
          headers: { 'x-hook-proof': proof, 'content-type': 'application/json' },
          body: {},
          deliveryId: 'd-1',
        },
      },
    });
    for (const path of [
      '/agents',
      '/agents/keyed',
      '/workflows/legacy-hook',
      '/deliveries?workflow=legacy-hook',
      `/runs/${runId}`,
      `/runs/${runId}?steps=false`,
    ]) {
      const text = await (await viewer(path)).text();
      for (const secret of ['agent-secret-key-1', 'step-secret-key-1', proof])
        expect(text, `${path} leaks ${secret}`).not.toContain(secret);
    }
    const agent = (await (await viewer('/agents/keyed')).json()) as { config: { headers: Record<string, string> } };
    expect(agent.config.headers['X-Team']).toBe('blue');
    expect(await (await api('/agents/keyed')).text()).toContain('agent-secret-key-1');
  });
});
