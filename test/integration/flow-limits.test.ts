import { createScheduledController, env, SELF } from 'cloudflare:test';
import worker from '../../src/index';
import { describe, expect, it } from 'vitest';
import { api, eventually, putAgent, putWorkflow, rawEmail, receive, replyOf, waitForRun } from '../support/helpers';
import type { WorkflowAnalytics } from '../../src/schemas/api';

type Held = { open: number; max: number; calls: number; order: unknown[] };
const held = async (group: string): Promise<Held> =>
  (await (await fetch(`${env.TEST_AGENT_URL}/held/${group}`)).json()) as Held;

const startApi = (workflow: string, input: Record<string, unknown> = {}) =>
  api(`/workflows/${workflow}/runs`, { method: 'POST', body: JSON.stringify({ input }) });

const heldStep = (group: string, ms: number) => `steps:
  - id: call
    http:
      method: POST
      url: "${env.TEST_AGENT_URL}/agents/held/${group}/${ms}"
      body: { input: "{{ trigger.type }}" }
`;

/** Hex HMAC-SHA256, as GitHub signs a delivery. */
async function githubHeaders(body: string, delivery: string): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode("It's a Secret to Everybody"),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': delivery,
    'x-hub-signature-256': `sha256=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`,
  };
}
const hook = async (workflow: string, n: number) => {
  const body = JSON.stringify({ n });
  return SELF.fetch(`http://baton.test/hooks/${workflow}`, {
    method: 'POST',
    body,
    headers: await githubHeaders(body, `${workflow}-${n}`),
  });
};
const deliveries = async (workflow: string) =>
  (await (await api(`/deliveries?workflow=${workflow}`)).json()) as { status: string; runId: string | null }[];

describe('rate_limit: starts beyond it are refused and recorded', () => {
  it('the 4th API start answers 429 with Retry-After and a rate_limited error', async () => {
    await putWorkflow(
      'flow-rl-api',
      `name: flow-rl-api\nrate_limit: { limit: 3, period: 1m }\n${heldStep('rl-api', 10)}`,
    );
    const ok = [];
    for (let i = 0; i < 3; i++) ok.push(await startApi('flow-rl-api'));
    expect(ok.map((r) => r.status)).toEqual([202, 202, 202]);
    const refused = await startApi('flow-rl-api');
    expect(refused.status).toBe(429);
    const seconds = Number(refused.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as { error: { code: string; details: { retryAfterMs: number } } };
    expect(body.error.code).toBe('rate_limited');
    expect(Math.ceil(body.error.details.retryAfterMs / 1000)).toBe(seconds);
    for (const r of ok)
      expect((await waitForRun(((await r.json()) as { runId: string }).runId)).status).toBe('completed');
  });

  it('the 4th email is recorded rate_limited and gets no reply; the 4th webhook delivery answers 429 and is recorded', async () => {
    await putAgent('flow-echo', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'flow-rl-mail',
      `name: flow-rl-mail
triggers: [ { email: { alias: flow-rl-mail } } ]
rate_limit: { limit: 3, period: 1m }
steps: [ { id: e, agent: flow-echo, input: "{{ trigger.email.text }}" } ]`,
    );
    const outcomes: Awaited<ReturnType<typeof receive>>[] = [];
    for (let i = 1; i <= 4; i++) {
      const from = `rl${i}@example.com`;
      const mail = rawEmail(
        { From: from, To: 'flow-rl-mail@baton.test', Subject: `n${i}`, 'Message-ID': `<flow-rl-${i}@example.com>` },
        `hello ${i}`,
      );
      outcomes.push(await receive(mail, { from, to: 'flow-rl-mail@baton.test' }));
    }
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted', 'rate_limited']);
    expect(outcomes[3]!.reason).toContain('rate_limit');
    for (const o of outcomes.slice(0, 3)) {
      expect((await waitForRun(o.runId!)).status).toBe('completed');
      await replyOf(o.runId!);
    }
    const messages = (await (await api('/messages?limit=200')).json()) as {
      messages: { direction: string; to: string; status: string; id: string }[];
    };
    expect(messages.messages.find((m) => m.id === outcomes[3]!.id)).toMatchObject({ status: 'rate_limited' });
    expect(messages.messages.filter((m) => m.direction === 'outbound' && m.to === 'rl4@example.com')).toEqual([]);

    await putWorkflow(
      'flow-rl-hook',
      `name: flow-rl-hook
triggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET } } ]
rate_limit: { limit: 3, period: 1m }
${heldStep('rl-hook', 10)}`,
    );
    const answers = [];
    for (let i = 1; i <= 4; i++) answers.push(await hook('flow-rl-hook', i));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 429]);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const recorded = await deliveries('flow-rl-hook');
    expect(recorded.map((d) => d.status).sort()).toEqual(['accepted', 'accepted', 'accepted', 'rate_limited']);
  });
});

describe('rate_limit of schedule ticks', () => {
  it('a tick past the limit is recorded as a run failed rate_limited, and not fired again', async () => {
    await putWorkflow(
      'flow-rl-tick',
      `name: flow-rl-tick
triggers: [ { schedule: { cron: "* * * * *" } } ]
rate_limit: { limit: 1, period: 1h }
${heldStep('rl-tick', 10)}`,
    );
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const tick = (at: number) =>
      worker.scheduled!(createScheduledController({ scheduledTime: at, cron: '* * * * *' }), env);
    await tick(minute);
    await tick(minute + 60_000);
    await tick(minute + 60_000);
    const list = (await (await api('/runs?workflow=flow-rl-tick')).json()) as {
      runs: { id: string; status: string; error: { code: string } | null }[];
    };
    expect(list.runs).toHaveLength(2);
    const refused = list.runs.find((r) => r.status === 'failed');
    expect(refused?.error?.code).toBe('rate_limited');
    const ran = list.runs.find((r) => r.id !== refused?.id)!;
    expect((await waitForRun(ran.id)).status).toBe('completed');
    // Analytics count the refused start as a failed run with no duration.
    const stats = await eventually(async () => {
      const body = (await (await api('/analytics/workflows/flow-rl-tick')).json()) as WorkflowAnalytics;
      return body.totals.runs === 2 ? body.totals : null;
    });
    expect(stats).toMatchObject({ completed: 1, failed: 1, successRate: 0.5 });
  });
});

describe('singleton: one active run per key', () => {
  it('mode cancel: a new start cancels the active run and runs', async () => {
    await putWorkflow(
      'flow-one-cancel',
      `name: flow-one-cancel\nsingleton: { mode: cancel }\n${heldStep('one-cancel', 1500)}`,
    );
    const first = ((await (await startApi('flow-one-cancel')).json()) as { runId: string }).runId;
    await eventually(async () => ((await held('one-cancel')).calls === 1 ? true : undefined));
    const second = await startApi('flow-one-cancel');
    expect(second.status).toBe(202);
    const secondId = ((await second.json()) as { runId: string }).runId;
    const old = await waitForRun(first);
    expect(old.status).toBe('cancelled');
    expect(JSON.stringify(old.error)).toContain(secondId);
    expect((await waitForRun(secondId)).status).toBe('completed');
  });

  it('mode skip: the API answers 200 { skipped, runId } and a webhook delivery is recorded skipped', async () => {
    await putWorkflow(
      'flow-one-skip',
      `name: flow-one-skip
triggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET } } ]
singleton: { mode: skip }
${heldStep('one-skip', 3000)}`,
    );
    const first = ((await (await startApi('flow-one-skip')).json()) as { runId: string }).runId;
    const again = await startApi('flow-one-skip');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ skipped: true, runId: first });
    const hooked = await hook('flow-one-skip', 1);
    expect(hooked.status).toBe(200);
    expect(await hooked.json()).toEqual({ skipped: true, runId: first });
    expect((await deliveries('flow-one-skip'))[0]).toMatchObject({ status: 'skipped', runId: first });
    expect((await waitForRun(first)).status).toBe('completed');
    // The skipped starts called nothing.
    expect(await held('one-skip')).toMatchObject({ calls: 1 });
    // Once it ended, the next start runs.
    const later = await eventually(async () => {
      const res = await startApi('flow-one-skip');
      return res.status === 202 ? ((await res.json()) as { runId: string }) : undefined;
    });
    expect(later.runId).not.toBe(first);
    expect((await waitForRun(later.runId)).status).toBe('completed');
  });
});

describe('throttle: starts spread by GCRA', () => {
  it('limit 2 per 4s: three starts at once begin about 2 s apart', async () => {
    await putWorkflow(
      'flow-throttle',
      `name: flow-throttle\nthrottle: { limit: 2, period: 4s }\n${heldStep('throttle', 10)}`,
    );
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push((await (await startApi('flow-throttle')).json()) as { runId: string; queuedFor?: string });
    expect(answers.map((a) => a.queuedFor ?? null)).toEqual([null, 'throttle', 'throttle']);
    const runs = await Promise.all(answers.map((a) => waitForRun(a.runId, 20_000)));
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    const starts = runs.map((r) => Date.parse(r.startedAt!)).sort((a, b) => a - b);
    // The emission interval is 2 s; generous margins for the alarm and the start.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1_500);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(1_500);
  });
});
