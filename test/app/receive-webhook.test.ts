import { describe, expect, it } from 'vitest';
import { receiveWebhook } from '../../src/app/receive-webhook';
import { addWorkflow, memoryHost, type MemoryHost } from './memory-ports';

const SECRET = "It's a Secret to Everybody";
const HOOK = `name: gh-push
triggers:
  - webhook: { signature: github, secret: GH_HOOK_SECRET, filter: "headers.'x-github-event' = 'push'", input: { repo: "{{ body.repository.full_name }}" } }
inputs: { repo: { type: string, required: true } }
steps: [ { id: note, agent: tagger, input: "pushed to {{ inputs.repo }}" } ]`;
const PUSH = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'Codertocat/Hello-World' } });

function host(): MemoryHost {
  const h = memoryHost();
  addWorkflow(h, HOOK);
  h.secrets.set('GH_HOOK_SECRET', SECRET);
  return h;
}

/** A GitHub delivery: X-Hub-Signature-256 over the body (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). */
async function github(body: string, delivery: string, secret = SECRET, event = 'push') {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  const headers = new Headers({
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`,
  });
  return { headers, body: async () => new TextEncoder().encode(body) };
}

describe('receiveWebhook (use case on in-memory ports)', () => {
  it('a signed push starts a run with the mapped input; the same delivery id again answers the first run', async () => {
    const h = host();
    const first = await receiveWebhook(h.ports, 't1', 'gh-push', await github(PUSH, 'delivery-1'));
    expect(first).toEqual({ status: 202, body: { runId: h.runs[0]!.id } });
    expect(h.runs[0]).toMatchObject({
      input: { repo: 'Codertocat/Hello-World' },
      idempotencyKey: 'webhook:gh-push:delivery-1',
      triggerType: 'webhook',
    });
    const again = await receiveWebhook(h.ports, 't1', 'gh-push', await github(PUSH, 'delivery-1'));
    expect(again).toEqual({ status: 202, body: { runId: h.runs[0]!.id, duplicate: true } });
    expect(h.runs).toHaveLength(1);
    expect(h.deliveries.map((d) => [d.status, d.deliveryId, d.runId])).toEqual([
      ['accepted', 'delivery-1', h.runs[0]!.id],
      ['duplicate', 'delivery-1', h.runs[0]!.id],
    ]);
    expect(h.deliveries[0]!.headers).not.toHaveProperty('x-hub-signature-256');
  });

  it('the same body under a fresh delivery id lands on the first run (body replay)', async () => {
    const h = host();
    const first = await receiveWebhook(h.ports, 't1', 'gh-push', await github(PUSH, 'delivery-1'));
    const replay = await receiveWebhook(h.ports, 't1', 'gh-push', await github(PUSH, 'delivery-9'));
    expect(replay).toEqual({ status: 202, body: { runId: (first.body as { runId: string }).runId, duplicate: true } });
    expect(h.deliveries[1]).toMatchObject({
      status: 'duplicate',
      reason: 'same body as an earlier delivery within 24 h',
    });
  });

  it('a wrong signature answers 401, is recorded as rejected with the reason, and starts nothing', async () => {
    const h = host();
    const answer = await receiveWebhook(h.ports, 't1', 'gh-push', await github(PUSH, 'delivery-2', 'not the secret'));
    expect(answer).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'X-Hub-Signature-256 does not match the body' } },
    });
    expect(h.deliveries).toEqual([
      expect.objectContaining({
        tenantId: 't1',
        status: 'rejected',
        reason: 'unauthorized: X-Hub-Signature-256 does not match the body',
        runId: null,
      }),
    ]);
    expect(h.runs).toHaveLength(0);
  });

  it('an unset signing secret answers 503; an unknown workflow 404; a filtered event 202 ignored', async () => {
    const h = host();
    h.secrets.clear();
    expect((await receiveWebhook(h.ports, 't1', 'gh-push', await github(PUSH, 'd-3'))).status).toBe(503);
    h.secrets.set('GH_HOOK_SECRET', SECRET);
    expect(await receiveWebhook(h.ports, 't1', 'nope', await github(PUSH, 'd-4'))).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(
      await receiveWebhook(h.ports, 't1', 'gh-push', await github('{"zen":"Keep it simple"}', 'd-5', SECRET, 'ping')),
    ).toMatchObject({ status: 202, body: { ignored: true } });
    expect(h.runs).toHaveLength(0);
    expect(h.deliveries.map((d) => d.status)).toEqual(['rejected', 'rejected', 'ignored']);
  });
});
