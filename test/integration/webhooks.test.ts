import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import ping from '../fixtures/webhooks/github__ping.json?raw';
import push from '../fixtures/webhooks/github__push.json?raw';
import slackChallenge from '../fixtures/webhooks/slack__url_verification.challenge_handshake.json?raw';
import charge from '../fixtures/webhooks/stripe__charge.succeeded.json?raw';
import { api, httpAgent, putAgent, putWorkflow, waitForRun } from '../support/helpers';

/** Hex HMAC-SHA256, as the senders compute it. */
async function hmacHex(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return [...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data)))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
const hook = (workflow: string, body: string, headers: Record<string, string>) =>
  SELF.fetch(`http://baton.test/hooks/${workflow}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const github = async (body: string, event: string, delivery: string, secret = "It's a Secret to Everybody") =>
  ({ 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${await hmacHex(secret, body)}` });
const runsOf = async (workflow: string) => ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: { id: string }[] }).runs;
const deliveries = async (workflow: string) => (await (await api(`/deliveries?workflow=${workflow}`)).json()) as { status: string; reason: string | null; runId: string | null; deliveryId: string | null; headers: Record<string, string> }[];

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await putWorkflow('gh-push', `name: gh-push
triggers:
  - webhook: { signature: github, secret: GH_HOOK_SECRET, filter: "headers.'x-github-event' = 'push'", input: { repo: "{{ body.repository.full_name }}" } }
inputs: { repo: { type: string, required: true } }
steps: [ { id: note, agent: tagger, input: "pushed to {{ inputs.repo }}" } ]`);
});

describe('GitHub webhooks', () => {
  it('a signed push starts a run whose input reads the repository name; the same delivery twice starts one run and answers its id both times', async () => {
    const headers = await github(push, 'push', 'delivery-1');
    const first = await hook('gh-push', push, headers);
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    expect(await waitForRun(runId)).toMatchObject({ status: 'completed', output: 'T: pushed to Codertocat/Hello-World' });
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
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized', message: 'X-Hub-Signature-256 does not match the body' } });
    const unsigned = await hook('gh-push', push, { 'x-github-event': 'push', 'x-github-delivery': 'delivery-3' });
    expect(unsigned.status).toBe(401);
    expect((await runsOf('gh-push')).length).toBe(before);
    expect((await deliveries('gh-push')).slice(0, 2).map((d) => d.status)).toEqual(['rejected', 'rejected']);
  });

  it('filter: a ping is ignored; a body over max_bytes answers 413; an unknown workflow 404', async () => {
    const res = await hook('gh-push', ping, await github(ping, 'ping', 'delivery-4'));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ ignored: true });
    await putWorkflow('gh-small', 'name: gh-small\ntriggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET, max_bytes: 100 } } ]\nsteps: [ { id: a, agent: tagger } ]');
    const big = await hook('gh-small', push, await github(push, 'push', 'delivery-5'));
    expect(big.status).toBe(413);
    expect((await deliveries('gh-small'))[0]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('payload_too_large') });
    expect((await hook('nope', push, {})).status).toBe(404);
  });
});

describe('Slack and Stripe webhooks', () => {
  it("answers Slack's url_verification challenge once the signature verifies", async () => {
    await putWorkflow('slack-events', 'name: slack-events\ntriggers: [ { webhook: { signature: slack, secret: SLACK_SIGNING_SECRET } } ]\nsteps: [ { id: a, agent: tagger, input: "{{ trigger.webhook.body.event.text }}" } ]');
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${await hmacHex('8f742231b10e8888abcd99yyyzzz85a5', `v0:${ts}:${slackChallenge}`)}`;
    const res = await hook('slack-events', slackChallenge, { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const stale = await hook('slack-events', slackChallenge, { 'x-slack-request-timestamp': String(Number(ts) - 600), 'x-slack-signature': `v0=${await hmacHex('8f742231b10e8888abcd99yyyzzz85a5', `v0:${Number(ts) - 600}:${slackChallenge}`)}` });
    expect(stale.status).toBe(401);
  });

  it('a Stripe event signed with t= and v1= starts a run; the event id dedupes', async () => {
    await putWorkflow('stripe-paid', 'name: stripe-paid\ntriggers: [ { webhook: { signature: stripe, secret: STRIPE_WEBHOOK_SECRET, input: { kind: "{{ body.type }}" } } } ]\ninputs: { kind: { type: string } }\nsteps: [ { id: a, agent: tagger, input: "{{ inputs.kind }}" } ]');
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
    const yaml = (w: string) => api('/workflows', { method: 'POST', body: `name: wh-bad\ntriggers: [ { webhook: ${w} } ]\nsteps: [ { id: a, agent: tagger } ]`, headers: { 'content-type': 'application/yaml' } });
    expect(await (await yaml('{ signature: none }')).json()).toMatchObject({ error: { details: { issues: [{ path: 'triggers[0].webhook.signature' }] } } });
    expect(await (await yaml('{ signature: github }')).json()).toMatchObject({ error: { details: { issues: [{ path: 'triggers[0].webhook.secret' }] } } });
  });
});

describe('secrets', () => {
  it('are stored encrypted, listed by name only, and sign a webhook by name', async () => {
    const put = (name: string, value: string) => api(`/secrets/${name}`, { method: 'PUT', body: JSON.stringify({ value }) });
    expect((await put('HOOK_KEY', 'first-value')).status).toBe(201);
    expect((await put('HOOK_KEY', 'stored-hook-secret')).status).toBe(200);
    expect((await put('ADMIN_TOKEN', 'x')).status).toBe(400);
    const listed = (await (await api('/secrets')).json()) as Record<string, unknown>[];
    expect(listed.map((s) => Object.keys(s).sort())).toEqual([['createdAt', 'name', 'updatedAt']]);
    const row = await env.DB.prepare("SELECT ciphertext, iv FROM secrets WHERE name = 'HOOK_KEY'").first<{ ciphertext: string; iv: string }>();
    expect(row!.ciphertext).not.toContain('stored-hook-secret');
    expect(atob(row!.ciphertext)).not.toContain('stored-hook-secret');

    await putWorkflow('gh-stored', 'name: gh-stored\ntriggers: [ { webhook: { signature: github, secret: HOOK_KEY } } ]\nsteps: [ { id: a, agent: tagger, input: "{{ trigger.webhook.headers.\'x-github-event\' }}" } ]');
    const ok = await hook('gh-stored', push, await github(push, 'push', 'stored-1', 'stored-hook-secret'));
    expect(ok.status).toBe(202);
    const { runId } = (await ok.json()) as { runId: string };
    const run = await waitForRun(runId);
    expect(run.output).toBe('T: push');
    expect(JSON.stringify(run)).not.toContain('stored-hook-secret');
    expect((await hook('gh-stored', push, await github(push, 'push', 'stored-2', 'first-value'))).status).toBe(401);
  });
});
