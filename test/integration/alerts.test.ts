import { createScheduledController, env } from 'cloudflare:test';
import worker from '../../src/index';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/lib/webhook-signatures';
import type { AlertEvent, AlertRule, Message as MessageSummary } from '../../src/schemas/api';
import { api, apiAs, eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

const HOOK_SECRET = 'alert-hook-secret-value';
const hookUrl = (name: string) => `${env.TEST_AGENT_URL}/hooks/${name}`;
const hookRequests = async (name: string) =>
  (await (await fetch(hookUrl(name))).json()) as { headers: Record<string, string>; body: string }[];

async function putRule(name: string, rule: unknown): Promise<Response> {
  return api(`/alerts/${name}`, { method: 'PUT', body: JSON.stringify(rule) });
}
async function events(rule: string): Promise<AlertEvent[]> {
  const res = await api(`/alerts/events?rule=${rule}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: AlertEvent[] }).events;
}
async function alertMails(to: string): Promise<MessageSummary[]> {
  const { messages } = (await (await api('/messages?direction=outbound&limit=200')).json()) as {
    messages: MessageSummary[];
  };
  return messages.filter((m) => m.to === to && m.subject?.startsWith('Baton alert:'));
}
const tick = (at: number) =>
  worker.scheduled!(createScheduledController({ scheduledTime: at, cron: '* * * * *' }), env);

describe('alert rules', () => {
  it('refuses rules that could never work, saying where', async () => {
    const cases: [string, unknown, string][] = [
      ['bad-type', { type: 'run_exploded' }, 'json.type'],
      ['bad-key', { type: 'run_failed', agent: 'x' }, 'json'],
      ['no-after', { type: 'run_stuck' }, 'json.after'],
      ['no-usd', { type: 'cost_over' }, 'json.usd'],
      ['no-one', { type: 'circuit_open', agent: 'research' }, 'json.notify'],
      ['no-wf', { type: 'run_failed', workflow: 'no-such-workflow' }, 'json.workflow'],
      [
        'no-secret',
        { type: 'run_failed', notify: { webhook: { url: hookUrl('never'), secret: 'NOT_STORED' } } },
        'json.notify.webhook.secret',
      ],
      ['events', { type: 'run_failed' }, 'param.name'],
    ];
    for (const [name, rule, path] of cases) {
      const res = await putRule(name, rule);
      expect(res.status, name).toBe(400);
      const body = (await res.json()) as { error: { message: string; details?: { issues: { path: string }[] } } };
      expect(body.error.details?.issues[0]?.path.startsWith(path), `${name}: ${body.error.message}`).toBe(true);
    }
  });

  it('stores, lists, replaces and deletes a rule', async () => {
    expect((await putRule('crud-rule', { type: 'cost_over', usd: 2 })).status).toBe(201);
    const res = await putRule('crud-rule', { type: 'cost_over', usd: 3, cooldown: '10m' });
    expect(res.status).toBe(200);
    const rule = (await res.json()) as AlertRule;
    expect(rule.rule).toMatchObject({ type: 'cost_over', usd: 3, cooldown: '10m', enabled: true });
    const list = (await (await api('/alerts')).json()) as AlertRule[];
    expect(list.map((r) => r.name)).toContain('crud-rule');
    // A viewer sees a rule's webhook by its origin only; an admin sees it whole.
    expect((await api('/secrets/CRUD_HOOK', { method: 'PUT', body: JSON.stringify({ value: 'x' }) })).status).toBe(201);
    const hooked = {
      type: 'run_failed',
      notify: { webhook: { url: 'https://hooks.example.com/T0/B1/secret-token', secret: 'CRUD_HOOK' } },
    };
    expect((await putRule('hooked', hooked)).status).toBe(201);
    const key = await api('/keys', { method: 'POST', body: JSON.stringify({ name: 'alerts-viewer', role: 'viewer' }) });
    const viewer = apiAs(((await key.json()) as { token: string }).token);
    const seen = (await (await viewer('/alerts/hooked')).json()) as AlertRule;
    expect(seen.rule).toMatchObject({ notify: { webhook: { url: 'https://hooks.example.com/…' } } });
    expect(JSON.stringify(seen)).not.toContain('secret-token');
    expect(((await (await api('/alerts/hooked')).json()) as AlertRule).rule).toMatchObject(hooked);
    expect((await viewer('/alerts/hooked', { method: 'DELETE' })).status).toBe(403);
    expect((await api('/alerts/hooked', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/alerts/crud-rule', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/alerts/crud-rule')).status).toBe(404);
  });
});

describe('run_failed', () => {
  it('after a streak, emails the owner and posts a signed webhook once per cooldown', async () => {
    expect(
      (await api('/secrets/ALERT_HOOK', { method: 'PUT', body: JSON.stringify({ value: HOOK_SECRET }) })).status,
    ).toBe(201);
    await putAgent('alerts-broken', httpAgent('status/400'));
    await putAgent('alerts-tag', httpAgent('tag/A'));
    await putWorkflow(
      'alert-fail',
      `name: alert-fail
owners: [owner@example.com]
steps:
  - { id: check, agent: alerts-broken, if: "{{ inputs.fail }}", retry: { max_attempts: 1 } }
  - { id: done, agent: alerts-tag, input: ok }
`,
    );
    const put = await putRule('fail-streak', {
      type: 'run_failed',
      workflow: 'alert-fail',
      streak: 2,
      cooldown: '1h',
      notify: { webhook: { url: hookUrl('alerts-failed'), secret: 'ALERT_HOOK' } },
    });
    expect(put.status).toBe(201);

    const run = async (fail: boolean) => {
      const body = await waitForRun(await startRun('alert-fail', { fail }));
      expect(body.status).toBe(fail ? 'failed' : 'completed');
      return body.id;
    };
    const first = await run(true);
    // The rollup is written, and a streak of one is no alert.
    await eventually(async () => {
      const res = await api('/analytics/workflows/alert-fail');
      const body = (await res.json()) as { totals: { runs: number } };
      return body.totals.runs === 1 ? body : null;
    });
    expect(await events('fail-streak')).toEqual([]);

    const second = await run(true);
    const [fired] = await eventually(async () => {
      const list = await events('fail-streak');
      return list.length === 1 && list[0]!.deliveries.length === 2 ? list : null;
    });
    expect(fired).toMatchObject({
      type: 'run_failed',
      workflow: 'alert-fail',
      runId: second,
      notified: true,
      deliveries: [
        { channel: 'email', to: 'owner@example.com', status: 'sent' },
        // A webhook is shown by its origin: its path or query may be a credential.
        { channel: 'webhook', to: `${new URL(env.TEST_AGENT_URL).origin}/…`, status: 'sent', detail: 'HTTP 200' },
      ],
    });
    expect(fired!.message).toContain('failed 2 runs in a row');
    expect(fired!.message).toContain(second);
    expect(first).not.toBe(second);

    // The webhook's signature verifies with the stored secret, as Baton's own webhooks check it.
    const [hook] = await hookRequests('alerts-failed');
    const verify = (secret: string) =>
      verifySignature({
        scheme: 'hmac-sha256',
        secret,
        body: new TextEncoder().encode(hook!.body),
        headers: hook!.headers,
        now: Math.floor(Date.now() / 1000),
        toleranceS: 300,
        header: 'x-baton-signature',
        prefix: 'sha256=',
        encoding: 'hex',
        timestampHeader: 'x-baton-timestamp',
      });
    expect(await verify(HOOK_SECRET)).toEqual({ ok: true });
    expect((await verify('another-secret')).ok).toBe(false);
    expect(JSON.parse(hook!.body)).toEqual({ type: 'alert', alert: { ...fired, deliveries: [] } });

    // A third failure is within the cooldown: recorded, not sent.
    const third = await run(true);
    const later = await eventually(async () => {
      const list = await events('fail-streak');
      return list.length === 2 ? list : null;
    });
    expect(later[0]).toMatchObject({ runId: third, notified: false, deliveries: [] });
    expect(await alertMails('owner@example.com')).toHaveLength(1);
    expect(await hookRequests('alerts-failed')).toHaveLength(1);

    // A success breaks the streak: the next failure alone raises nothing.
    await run(false);
    await run(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await events('fail-streak')).toHaveLength(2);
  }, 60_000);
});

describe('cost_over', () => {
  it('fires for a run that cost more than its limit', async () => {
    await putAgent('alerts-pricey', httpAgent('cost/0.25'));
    await putWorkflow('alert-cost', 'name: alert-cost\nsteps:\n  - { id: think, agent: alerts-pricey, input: x }\n');
    expect(
      (
        await putRule('pricey-run', {
          type: 'cost_over',
          workflow: 'alert-cost',
          usd: 0.1,
          notify: { email: ['fin@example.com'] },
        })
      ).status,
    ).toBe(201);
    const id = await startRun('alert-cost');
    expect((await waitForRun(id)).status).toBe('completed');
    const [fired] = await eventually(async () => {
      const list = await events('pricey-run');
      return list.length ? list : null;
    });
    expect(fired).toMatchObject({ type: 'cost_over', runId: id, notified: true });
    expect(fired!.message).toContain('$0.2500, over $0.1000');
    expect(await alertMails('fin@example.com')).toHaveLength(1);
  });
});

describe('run_stuck', () => {
  it('fires once for a run waiting past `after`', async () => {
    await putWorkflow(
      'alert-stuck',
      `name: alert-stuck
owners: [stuck-owner@example.com]
steps:
  - id: sign
    approval: { assignees: [lead@example.com], message: "Sign?" }
`,
    );
    expect((await putRule('stuck-1s', { type: 'run_stuck', workflow: 'alert-stuck', after: '1s' })).status).toBe(201);
    const id = await startRun('alert-stuck');
    await eventually(async () => {
      const res = await api(`/runs/${id}?steps=false`);
      return ((await res.json()) as { status: string }).status === 'waiting' ? true : null;
    });
    await tick(Date.now());
    // Not yet a second without progress (most likely): nothing, or only once past it.
    await new Promise((r) => setTimeout(r, 1_500));
    await tick(Date.now());
    await tick(Date.now() + 60_000);
    const list = await events('stuck-1s');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ type: 'run_stuck', runId: id, workflow: 'alert-stuck', notified: true });
    expect(list[0]!.message).toMatch(/is waiting with no progress for \d+ s/);
    expect(await alertMails('stuck-owner@example.com')).toHaveLength(1);
  });
});

describe('circuit_open', () => {
  it("fires when an agent's circuit breaker opens, and not again while the outage lasts", async () => {
    expect(
      (await putRule('breaker', { type: 'circuit_open', agent: 'alerts-down', notify: { email: ['ops@example.com'] } }))
        .status,
    ).toBe(201);
    const circuit = env.CIRCUITS.get(env.CIRCUITS.idFromName('default:alerts-down'));
    expect(await circuit.record({ ok: 0, failed: 6 })).toBe('open');
    expect(await circuit.record({ ok: 0, failed: 3 })).toBe('open');
    const list = await eventually(async () => {
      const fired = await events('breaker');
      return fired[0]?.deliveries.length ? fired : null;
    });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ type: 'circuit_open', agent: 'alerts-down', notified: true });
    expect(list[0]!.message).toContain('100 % of its 6 recent calls failed');
    expect(await alertMails('ops@example.com')).toHaveLength(1);
  });
});
