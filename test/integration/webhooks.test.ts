import { createScheduledController, env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import ping from '../fixtures/webhooks/github__ping.json?raw';
import push from '../fixtures/webhooks/github__push.json?raw';
import slackChallenge from '../fixtures/webhooks/slack__url_verification.challenge_handshake.json?raw';
import charge from '../fixtures/webhooks/stripe__charge.succeeded.json?raw';
import worker from '../../src/index';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { putSecret } from '../../src/adapter/cloudflare/d1/secrets';
import { receiveWebhook } from '../../src/adapter/cloudflare/triggers/webhook';
import { api, httpAgent, putAgent, putWorkflow, waitForRun } from '../support/helpers';

/** Hex HMAC-SHA256, as the senders compute it. */
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
const hook = (workflow: string, body: string, headers: Record<string, string>) =>
  SELF.fetch(`http://baton.test/hooks/${workflow}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
const github = async (body: string, event: string, delivery: string, secret = "It's a Secret to Everybody") => ({
  'x-github-event': event,
  'x-github-delivery': delivery,
  'x-hub-signature-256': `sha256=${await hmacHex(secret, body)}`,
});
const runsOf = async (workflow: string) =>
  ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: { id: string }[] }).runs;
const deliveries = async (workflow: string) =>
  (await (await api(`/deliveries?workflow=${workflow}`)).json()) as {
    status: string;
    reason: string | null;
    runId: string | null;
    deliveryId: string | null;
    headers: Record<string, string>;
  }[];

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await putWorkflow(
    'gh-push',
    `name: gh-push
triggers:
  - webhook: { signature: github, secret: GH_HOOK_SECRET, filter: "headers.'x-github-event' = 'push'", input: { repo: "{{ body.repository.full_name }}" } }
inputs: { repo: { type: string, required: true } }
steps: [ { id: note, agent: tagger, input: "pushed to {{ inputs.repo }}" } ]`,
  );
});

describe('GitHub webhooks', () => {
  it('a signed push starts a run whose input reads the repository name; the same delivery twice starts one run and answers its id both times', async () => {
    const headers = await github(push, 'push', 'delivery-1');
    const first = await hook('gh-push', push, headers);
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    expect(await waitForRun(runId)).toMatchObject({
      status: 'completed',
      output: 'T: pushed to Codertocat/Hello-World',
    });
    const again = await hook('gh-push', push, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ runId, duplicate: true });
    expect(await runsOf('gh-push')).toHaveLength(1);
    const [latest] = await deliveries('gh-push');
    expect(latest).toMatchObject({ status: 'duplicate', runId, deliveryId: 'delivery-1' });
    expect(latest!.headers).not.toHaveProperty('x-hub-signature-256');
  });

  it('a wrong signature answers 401, starts nothing and is recorded', async () => {
    const before = (await runsOf('gh-push')).length;
    const res = await hook('gh-push', push, await github(push, 'push', 'delivery-2', 'not the secret'));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 'unauthorized', message: 'X-Hub-Signature-256 does not match the body' },
    });
    const unsigned = await hook('gh-push', push, { 'x-github-event': 'push', 'x-github-delivery': 'delivery-3' });
    expect(unsigned.status).toBe(401);
    expect((await runsOf('gh-push')).length).toBe(before);
    expect((await deliveries('gh-push')).slice(0, 2).map((d) => d.status)).toEqual(['rejected', 'rejected']);
  });

  it('filter: a ping is ignored; a body over max_bytes answers 413; an unknown workflow 404', async () => {
    const res = await hook('gh-push', ping, await github(ping, 'ping', 'delivery-4'));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ ignored: true });
    await putWorkflow(
      'gh-small',
      'name: gh-small\ntriggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET, max_bytes: 100 } } ]\nsteps: [ { id: a, agent: tagger } ]',
    );
    const big = await hook('gh-small', push, await github(push, 'push', 'delivery-5'));
    expect(big.status).toBe(413);
    expect((await deliveries('gh-small'))[0]).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('payload_too_large'),
    });
    expect((await hook('nope', push, {})).status).toBe(404);
  });
});

describe('Slack and Stripe webhooks', () => {
  it("answers Slack's url_verification challenge once the signature verifies", async () => {
    await putWorkflow(
      'slack-events',
      'name: slack-events\ntriggers: [ { webhook: { signature: slack, secret: SLACK_SIGNING_SECRET } } ]\nsteps: [ { id: a, agent: tagger, input: "{{ trigger.webhook.body.event.text }}" } ]',
    );
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${await hmacHex('8f742231b10e8888abcd99yyyzzz85a5', `v0:${ts}:${slackChallenge}`)}`;
    const res = await hook('slack-events', slackChallenge, {
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const stale = await hook('slack-events', slackChallenge, {
      'x-slack-request-timestamp': String(Number(ts) - 600),
      'x-slack-signature': `v0=${await hmacHex('8f742231b10e8888abcd99yyyzzz85a5', `v0:${Number(ts) - 600}:${slackChallenge}`)}`,
    });
    expect(stale.status).toBe(401);
  });

  it('a Stripe event signed with t= and v1= starts a run; the event id dedupes', async () => {
    await putWorkflow(
      'stripe-paid',
      'name: stripe-paid\ntriggers: [ { webhook: { signature: stripe, secret: STRIPE_WEBHOOK_SECRET, input: { kind: "{{ body.type }}" } } } ]\ninputs: { kind: { type: string } }\nsteps: [ { id: a, agent: tagger, input: "{{ inputs.kind }}" } ]',
    );
    const t = Math.floor(Date.now() / 1000);
    const headers = { 'stripe-signature': `t=${t},v1=${await hmacHex('whsec_test_secret', `${t}.${charge}`)}` };
    const res = await hook('stripe-paid', charge, headers);
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(await waitForRun(runId)).toMatchObject({ output: 'T: charge.succeeded' });
    expect(await (await hook('stripe-paid', charge, headers)).json()).toEqual({ runId, duplicate: true });
    expect((await deliveries('stripe-paid'))[0]).toMatchObject({ deliveryId: 'evt_1DbqCuDEQaroqDjsojJSNhmh' });
  });
});

describe('webhook definitions', () => {
  it('refuse an unsigned webhook unless allow_unsigned, and a signed one without a secret', async () => {
    const yaml = (w: string) =>
      api('/workflows', {
        method: 'POST',
        body: `name: wh-bad\ntriggers: [ { webhook: ${w} } ]\nsteps: [ { id: a, agent: tagger } ]`,
        headers: { 'content-type': 'application/yaml' },
      });
    expect(await (await yaml('{ signature: none }')).json()).toMatchObject({
      error: { details: { issues: [{ path: 'triggers[0].webhook.signature' }] } },
    });
    expect(await (await yaml('{ signature: github }')).json()).toMatchObject({
      error: { details: { issues: [{ path: 'triggers[0].webhook.secret' }] } },
    });
  });
});

describe('secrets', () => {
  it('are stored encrypted, listed by name only, and sign a webhook by name', async () => {
    const put = (name: string, value: string) =>
      api(`/secrets/${name}`, { method: 'PUT', body: JSON.stringify({ value }) });
    expect((await put('HOOK_KEY', 'first-value')).status).toBe(201);
    expect((await put('HOOK_KEY', 'stored-hook-secret')).status).toBe(200);
    expect((await put('ADMIN_TOKEN', 'x')).status).toBe(400);
    const listed = (await (await api('/secrets')).json()) as Record<string, unknown>[];
    expect(listed.map((s) => Object.keys(s).sort())).toEqual([['createdAt', 'hosts', 'name', 'updatedAt']]);
    const row = await env.DB.prepare("SELECT ciphertext, iv FROM secrets WHERE name = 'HOOK_KEY'").first<{
      ciphertext: string;
      iv: string;
    }>();
    expect(row!.ciphertext).not.toContain('stored-hook-secret');
    expect(atob(row!.ciphertext)).not.toContain('stored-hook-secret');

    await putWorkflow(
      'gh-stored',
      'name: gh-stored\ntriggers: [ { webhook: { signature: github, secret: HOOK_KEY } } ]\nsteps: [ { id: a, agent: tagger, input: "{{ trigger.webhook.headers.\'x-github-event\' }}" } ]',
    );
    const ok = await hook('gh-stored', push, await github(push, 'push', 'stored-1', 'stored-hook-secret'));
    expect(ok.status).toBe(202);
    const { runId } = (await ok.json()) as { runId: string };
    const run = await waitForRun(runId);
    expect(run.output).toBe('T: push');
    expect(JSON.stringify(run)).not.toContain('stored-hook-secret');
    expect((await hook('gh-stored', push, await github(push, 'push', 'stored-2', 'first-value'))).status).toBe(401);
  });
});

describe('replays (issue 13, item 6)', () => {
  it('a captured GitHub delivery re-sent with a new or no X-GitHub-Delivery starts nothing and answers the first run', async () => {
    const body = push.replace('"ref": "refs/tags/simple-tag"', '"ref": "refs/heads/replayed"');
    expect(body).not.toBe(push);
    const first = await hook('gh-push', body, await github(body, 'push', 'replay-1'));
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    const before = (await runsOf('gh-push')).length;
    const fresh = await hook('gh-push', body, await github(body, 'push', 'replay-2'));
    expect(fresh.status).toBe(202);
    expect(await fresh.json()).toEqual({ runId, duplicate: true });
    const { 'x-github-delivery': _, ...withoutId } = await github(body, 'push', 'unused');
    expect(await (await hook('gh-push', body, withoutId)).json()).toEqual({ runId, duplicate: true });
    expect((await runsOf('gh-push')).length).toBe(before);
    const [latest, previous] = await deliveries('gh-push');
    expect(previous).toMatchObject({
      status: 'duplicate',
      runId,
      deliveryId: 'replay-2',
      reason: expect.stringContaining('same body'),
    });
    expect(latest).toMatchObject({ status: 'duplicate', runId });
  });

  it('hmac-sha256 with timestamp_header: signs "<timestamp>.<body>"; a replay with a new delivery id is a duplicate; a stale or missing timestamp answers 401', async () => {
    await putWorkflow(
      'hmac-ts',
      `name: hmac-ts
triggers:
  - webhook: { signature: hmac-sha256, secret: GH_HOOK_SECRET, header: X-Sig, prefix: "sha256=", delivery_header: X-Delivery, timestamp_header: X-Sig-Timestamp, tolerance: 2m }
steps: [ { id: a, agent: tagger, input: "{{ trigger.webhook.body.n }}" } ]`,
    );
    const body = JSON.stringify({ n: 'one' });
    const signed = async (ts: number, delivery: string, content = `${ts}.${body}`) => ({
      'x-sig': `sha256=${await hmacHex("It's a Secret to Everybody", content)}`,
      'x-sig-timestamp': String(ts),
      'x-delivery': delivery,
    });
    const now = Math.floor(Date.now() / 1000);
    const first = await hook('hmac-ts', body, await signed(now, 'd-1'));
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    expect(await waitForRun(runId)).toMatchObject({ status: 'completed', output: 'T: one' });
    expect(await (await hook('hmac-ts', body, await signed(now, 'd-2'))).json()).toEqual({ runId, duplicate: true });
    const bodyOnly = await hook('hmac-ts', body, await signed(now, 'd-3', body));
    expect(bodyOnly.status).toBe(401);
    const stale = await hook('hmac-ts', body, await signed(now - 180, 'd-4'));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({
      error: {
        code: 'unauthorized',
        message: expect.stringMatching(/X-Sig-Timestamp is 18\d s away from the server clock; the tolerance is 120 s/),
      },
    });
    const { 'x-sig-timestamp': _, ...untimed } = await signed(now, 'd-5');
    expect(await (await hook('hmac-ts', body, untimed)).json()).toMatchObject({
      error: { code: 'unauthorized', message: 'missing header X-Sig-Timestamp' },
    });
    expect((await runsOf('hmac-ts')).length).toBe(1);
    expect((await deliveries('hmac-ts')).map((d) => d.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'duplicate',
      'accepted',
    ]);
  });

  it('timestamp_header belongs to hmac-sha256 only', async () => {
    const res = await api('/workflows', {
      method: 'POST',
      body: 'name: gh-ts\ntriggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET, timestamp_header: X-T } } ]\nsteps: [ { id: a, agent: tagger } ]',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(await res.json()).toMatchObject({
      error: { details: { issues: [{ path: 'triggers[0].webhook.timestamp_header' }] } },
    });
  });
});

describe('deep bodies and lost starts (issue 13, item 8)', () => {
  it('a signed body nested 10,000 levels answers 400 naming the limit, is recorded and starts nothing', async () => {
    const deep = `{"repository":{"full_name":"deep/repo"},"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const before = (await runsOf('gh-push')).length;
    const res = await hook('gh-push', deep, await github(deep, 'push', 'deep-1'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'bad_request', message: expect.stringContaining('the webhook body nests deeper than 64 levels') },
    });
    expect((await deliveries('gh-push'))[0]).toMatchObject({
      status: 'rejected',
      deliveryId: null,
      reason: expect.stringContaining('64 levels'),
    });
    expect((await runsOf('gh-push')).length).toBe(before);
    const queued = await env.DB.prepare("SELECT count(*) AS n FROM runs WHERE status = 'queued'").first<{
      n: number;
    }>();
    expect(queued!.n).toBe(0);
  });

  it('a delivery whose RunObject fails to start is recorded and answered with its run; the sweeper starts the run', async () => {
    const broken = {
      ...env,
      RUNS: {
        idFromName: (n: string) => env.RUNS.idFromName(n),
        get: () => ({ start: () => Promise.reject(new Error('injected: the process died')) }),
      },
    } as unknown as typeof env;
    const body = push.replace('"ref": "refs/tags/simple-tag"', '"ref": "refs/heads/lost-start"');
    const headers = new Headers({ 'content-type': 'application/json', ...(await github(body, 'push', 'lost-1')) });
    const answer = await receiveWebhook(broken, 'default', 'gh-push', {
      headers,
      body: async () => new TextEncoder().encode(body),
    });
    expect(answer.status).toBe(202);
    const { runId } = answer.body as { runId: string };
    expect((await deliveries('gh-push'))[0]).toMatchObject({
      status: 'accepted',
      runId,
      deliveryId: 'lost-1',
      reason: expect.stringContaining('injected: the process died'),
    });
    expect(await (await api(`/runs/${runId}?steps=false`)).json()).toMatchObject({ status: 'queued' });
    await env.DB.prepare('UPDATE runs SET created_at = ? WHERE id = ?')
      .bind(new Date(Date.now() - 30_000).toISOString(), runId)
      .run();
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env);
    expect(await waitForRun(runId)).toMatchObject({
      status: 'completed',
      output: 'T: pushed to Codertocat/Hello-World',
    });
  });
});

describe('unreadable signing secrets (issue 14, item 8)', () => {
  it('a stored secret that does not decrypt answers secret_unreadable naming it, is recorded, starts nothing, and is not replaced by the Worker secret', async () => {
    await putWorkflow(
      'gh-sealed',
      `name: gh-sealed
triggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET } } ]
steps: [ { id: note, agent: tagger, input: x } ]`,
    );
    // GH_HOOK_SECRET is also a Worker secret: a stored one sealed under another SECRETS_KEY must not fall back to it.
    await putSecret(database(env.DB), 'a-rotated-secrets-key', 'default', 'GH_HOOK_SECRET', 'sealed-hook-value');
    try {
      const res = await hook('gh-sealed', push, await github(push, 'push', 'sealed-1'));
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('secret_unreadable');
      expect(body.error.message).toContain('secret GH_HOOK_SECRET');
      expect(JSON.stringify(body)).not.toContain('sealed-hook-value');
      const [latest] = await deliveries('gh-sealed');
      expect(latest).toMatchObject({ status: 'rejected', runId: null });
      expect(latest!.reason).toMatch(/^secret_unreadable: secret GH_HOOK_SECRET /);
      expect(await runsOf('gh-sealed')).toHaveLength(0);
    } finally {
      await env.DB.prepare("DELETE FROM secrets WHERE name = 'GH_HOOK_SECRET'").run();
    }
  });
});

describe('form-encoded GitHub deliveries (issue 14, item 8)', () => {
  const form = (json: string) => new URLSearchParams({ payload: json }).toString();
  const formHook = (workflow: string, body: string, headers: Record<string, string>) =>
    hook(workflow, body, { ...headers, 'content-type': 'application/x-www-form-urlencoded' });

  it('payload=<JSON> signed over the raw form: trigger.webhook.body is the event, as with application/json', async () => {
    await putWorkflow(
      'gh-form',
      `name: gh-form
triggers:
  - webhook: { signature: github, secret: GH_HOOK_SECRET, filter: "headers.'x-github-event' = 'push'", input: { repo: "{{ body.repository.full_name }}" } }
inputs: { repo: { type: string, required: true } }
steps: [ { id: note, agent: tagger, input: "pushed to {{ inputs.repo }}" } ]`,
    );
    const body = form(push);
    expect(body.startsWith('payload=%7B')).toBe(true);
    const res = await formHook('gh-form', body, await github(body, 'push', 'form-1'));
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(await waitForRun(runId)).toMatchObject({
      status: 'completed',
      output: 'T: pushed to Codertocat/Hello-World',
    });
    const run = (await (await api(`/runs/${runId}`)).json()) as {
      trigger: { webhook: { body: unknown; deliveryId: string } };
    };
    expect(run.trigger.webhook.body).toEqual(JSON.parse(push));
    expect(run.trigger.webhook.deliveryId).toBe('form-1');
  });

  it('the signature still covers the raw form body; a payload that is not JSON answers 400', async () => {
    const body = form(push);
    // Signed over the decoded JSON instead of the bytes sent: refused.
    const overJson = await formHook('gh-form', body, await github(push, 'push', 'form-2'));
    expect(overJson.status).toBe(401);
    const broken = form('{"repository": ');
    const bad = await formHook('gh-form', broken, await github(broken, 'push', 'form-3'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'bad_request', message: 'the form field `payload` of a GitHub delivery is not JSON' },
    });
    const deep = form(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect((await formHook('gh-form', deep, await github(deep, 'push', 'form-4'))).status).toBe(400);
  });
});
