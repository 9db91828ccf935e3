import { env } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import { receiveEmail } from '../../src/adapter/cloudflare/triggers/email';
import type { AppEnv } from '../../src/adapter/cloudflare/env';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  startRun,
  type RecordedMessage,
} from '../support/helpers';

// The deployment as wrangler.toml configures it (the test config turns the gate off for other tests).
const REQUIRED = { EMAIL_AUTH: 'required', EMAIL_SENDER_LIMIT: 'off', EMAIL_ALIAS_LIMIT: 'off' };

/** Verdicts as Cloudflare Email Routing prepends them. */
const VERDICT = {
  pass: 'i=1; mx.cloudflare.net; dkim=pass header.d=example.com header.s=s1 header.b=Ab12; spf=pass smtp.mailfrom=lead@example.com; arc=none',
  fail: 'i=1; mx.cloudflare.net; dkim=fail header.d=example.com header.s=s1; spf=fail smtp.mailfrom=lead@example.com; arc=none',
};

let n = 0;
/** Delivers a message to the Worker's email trigger with `vars` over the test env. */
function mail(
  vars: Record<string, string>,
  {
    from = 'lead@example.com',
    to,
    verdict,
    headers = {},
    body = 'Please look at ACME.',
  }: {
    from?: string;
    to: string;
    verdict?: keyof typeof VERDICT;
    headers?: Record<string, string>;
    body?: string;
  },
) {
  const bytes = rawEmail(
    {
      ...(verdict ? { 'ARC-Authentication-Results': VERDICT[verdict] } : {}),
      From: from,
      To: to,
      Subject: 'Research ACME',
      'Message-ID': `<gate-${++n}-${Date.now()}@example.com>`,
      ...headers,
    },
    body,
  );
  return receiveEmail({ from, to, raw: new Response(bytes).body!, rawSize: bytes.byteLength, setReject: () => {} }, {
    ...env,
    ...vars,
  } as AppEnv);
}

const runsOf = async (workflow: string) =>
  ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: unknown[] }).runs;
const messagesWith = async (status: string) =>
  ((await (await api(`/messages?status=${status}&limit=200`)).json()) as { messages: { id: string; reason: string }[] })
    .messages;

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  const wf = (name: string, extra = '') =>
    putWorkflow(
      name,
      `name: ${name}\ntriggers: [ { email: { alias: ${name}, allow: ["*@example.com"]${extra} } } ]\nsteps:\n  - { id: a, agent: tagger, input: "{{ trigger.email.subject }}" }\n`,
    );
  await wf('gated');
  await wf('open-door', ', require_auth: false');
  await wf('strict-door', ', require_auth: true');
});

describe('the email gate: DMARC-aligned DKIM or SPF before an allow list counts', () => {
  it('an allow-listed sender whose verdict says dkim=fail spf=fail starts nothing and is recorded rejected: unauthenticated; dkim=pass aligned starts', async () => {
    const failed = await mail(REQUIRED, { to: 'gated@baton.local', verdict: 'fail' });
    expect(failed).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/^unauthenticated: dkim=fail/) });
    expect(failed.runId).toBeUndefined();
    const none = await mail(REQUIRED, { to: 'gated@baton.local' });
    expect(none).toMatchObject({
      status: 'rejected',
      reason: 'unauthenticated: no Authentication-Results from mx.cloudflare.net',
    });
    // A verdict the sender wrote below the MTA's own does not count.
    const forged = await mail(REQUIRED, {
      to: 'gated@baton.local',
      verdict: 'fail',
      headers: {
        'Authentication-Results':
          'mx.cloudflare.net; dkim=pass header.d=example.com; dmarc=pass header.from=example.com',
      },
    });
    expect(forged.status).toBe('rejected');
    expect(await runsOf('gated')).toHaveLength(0);

    const passed = await mail(REQUIRED, { to: 'gated@baton.local', verdict: 'pass' });
    expect(passed).toMatchObject({ status: 'accepted', runId: expect.stringMatching(/^run_/) });
    expect(await runsOf('gated')).toHaveLength(1);
    expect((await messagesWith('rejected')).find((m) => m.id === failed.id)?.reason).toMatch(/^unauthenticated:/);
  });

  it('require_auth on the trigger overrides EMAIL_AUTH, both ways, and a waived check is noted on the record', async () => {
    const waived = await mail(REQUIRED, { to: 'open-door@baton.local', verdict: 'fail' });
    expect(waived).toMatchObject({ status: 'accepted', runId: expect.any(String) });
    expect((await messagesWith('accepted')).find((m) => m.id === waived.id)?.reason).toMatch(
      /^unauthenticated_allowed: the trigger sets require_auth: false/,
    );
    const off = { ...REQUIRED, EMAIL_AUTH: 'off' };
    expect(await mail(off, { to: 'strict-door@baton.local', verdict: 'fail' })).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^unauthenticated:/),
    });
    expect(await mail(off, { to: 'gated@baton.local', verdict: 'fail' })).toMatchObject({ status: 'accepted' });
  });

  it('a forged From: of an assignee cannot approve; the same reply with dkim=pass aligned does', async () => {
    await putWorkflow(
      'gated-approval',
      'name: gated-approval\nsteps:\n  - id: review\n    approval: { assignees: [lead@example.com], message: "Ship it?" }\n',
    );
    const runId = await startRun('gated-approval');
    const sent = await eventually(async () => {
      const list = (await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[];
      return list.find((m) => m.direction === 'outbound' && m.to === 'lead@example.com');
    });
    const approvalMail = await PostalMime.parse(sent.raw);
    const reply = (verdict: keyof typeof VERDICT) =>
      mail(REQUIRED, {
        to: approvalMail.replyTo?.[0]?.address ?? approvalMail.from!.address!,
        verdict,
        headers: { Subject: `Re: ${approvalMail.subject}`, 'In-Reply-To': approvalMail.messageId! },
        body: 'approve\nfine by me',
      });
    expect(await reply('fail')).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^unauthenticated:/),
    });
    const approvals = (await (await api(`/approvals?status=pending`)).json()) as { runId: string }[];
    expect(approvals.some((a) => a.runId === runId)).toBe(true);
    expect(await reply('pass')).toMatchObject({ status: 'accepted', runId });
    const run = await eventually(async () => {
      const r = (await (await api(`/runs/${runId}`)).json()) as { status: string };
      return r.status === 'completed' ? r : null;
    });
    expect(run.status).toBe('completed');
  });

  it('per-sender and per-alias limits record rate_limited and start nothing', async () => {
    await putWorkflow(
      'limited',
      'name: limited\ntriggers: [ { email: { alias: limited } } ]\nsteps:\n  - { id: a, agent: tagger, input: x }\n',
    );
    const limits = { EMAIL_AUTH: 'off', EMAIL_SENDER_LIMIT: '2/1h', EMAIL_ALIAS_LIMIT: '3/1h' };
    const to = 'limited@baton.local';
    expect((await mail(limits, { to, from: 'a@example.com' })).status).toBe('accepted');
    expect((await mail(limits, { to, from: 'A@example.com' })).status).toBe('accepted');
    expect(await mail(limits, { to, from: 'a@example.com' })).toMatchObject({
      status: 'rate_limited',
      reason: 'sender_rate_limit: 2 messages per 3600 s from a@example.com',
    });
    expect((await mail(limits, { to, from: 'b@example.com' })).status).toBe('accepted');
    const aliasLimited = await mail(limits, { to, from: 'c@example.com' });
    expect(aliasLimited).toMatchObject({
      status: 'rate_limited',
      reason: 'alias_rate_limit: 3 messages per 3600 s for limited',
    });
    expect(aliasLimited.runId).toBeUndefined();
    expect(await runsOf('limited')).toHaveLength(3);
  });
});
