import { createScheduledController, env, SELF } from 'cloudflare:test';
import worker from '../../src/index';
import { createSession } from '../../src/adapter/cloudflare/d1/people';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { createSignInLink } from '../../src/adapter/cloudflare/d1/people';
import { signInUrl } from '../../src/http/sign-in';
import { api, apiAs, eventually, putWorkflow, startRun } from '../support/helpers';
import { FROM_PAGE, ORIGIN, requestLink, signIn, urlOf, withCookie } from '../support/sessions';

describe('members sign in by an emailed one-time link', () => {
  beforeAll(async () => {
    for (const [email, role] of [
      ['lead@example.com', 'approver'],
      ['other@example.com', 'approver'],
      ['ops@example.com', 'operator'],
    ])
      expect((await api('/members', { method: 'POST', body: JSON.stringify({ email, role }) })).status).toBe(201);
  });

  it('mails a link (its source never kept), which works once: a confirm page, then a session cookie', async () => {
    const row = await requestLink('lead@example.com');
    const sent = await eventually(async () =>
      env.DB.prepare(
        `SELECT * FROM messages WHERE direction = 'outbound' AND to_addr = 'lead@example.com' AND subject = ?`,
      )
        .bind('Your Baton sign-in link')
        .first<{ raw: string | null; status: string; raw_size: number }>(),
    );
    expect(sent).toMatchObject({ status: 'sent', raw: null });
    expect(sent.raw_size).toBeGreaterThan(200);
    const url = await urlOf(row);
    expect(url.startsWith('http://127.0.0.1:8787/auth/link?')).toBe(true);
    // Opening it (a mail scanner does) signs nobody in.
    const shown = await SELF.fetch(url);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('Sign in as lead@example.com?');
    expect(shown.headers.get('set-cookie')).toBeNull();
    // A page elsewhere cannot post the link for a visitor (login CSRF); the link stays usable.
    const foreign = await SELF.fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    expect((await SELF.fetch(url, { method: 'POST', redirect: 'manual' })).status).toBe(403);
    const used = await SELF.fetch(url, FROM_PAGE);
    expect(used.status).toBe(303);
    expect(used.headers.get('location')).toBe('/');
    const cookie = used.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^baton_session=[A-Za-z0-9_-]{43};/);
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']) expect(cookie).toContain(attr);
    const state = await SELF.fetch(`${ORIGIN}/auth/session`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await state.json()).toEqual({
      signedIn: true,
      tenantId: 'default',
      email: 'lead@example.com',
      role: 'approver',
    });
    expect(await (await SELF.fetch(`${ORIGIN}/auth/session`)).json()).toEqual({ signedIn: false });
    const me = await withCookie(cookie.split(';')[0]!)('/me');
    expect(await me.json()).toEqual({
      tenantId: 'default',
      role: 'approver',
      actor: { type: 'person', name: 'lead@example.com' },
    });
    // The second use answers 409 and starts no session.
    const again = await SELF.fetch(url, FROM_PAGE);
    expect(again.status).toBe(409);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a changed link (403) and an expired one (410); an unknown address gets the same 202 and no link', async () => {
    const row = await requestLink('ops@example.com');
    const url = new URL(await urlOf(row));
    url.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    expect((await SELF.fetch(url, FROM_PAGE)).status).toBe(403);
    const old = await createSignInLink(
      database(env.DB),
      'default',
      'ops@example.com',
      new Date(Date.now() - 16 * 60_000),
    );
    const expired = await signInUrl(env, {
      id: old.id,
      email: 'ops@example.com',
      exp: Math.floor(old.expiresAt.getTime() / 1000),
    });
    const res = await SELF.fetch(expired, FROM_PAGE);
    expect(res.status).toBe(410);
    expect(res.headers.get('set-cookie')).toBeNull();
    const stranger = await SELF.fetch(`${ORIGIN}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com' }),
    });
    expect(stranger.status).toBe(202);
    const links = await env.DB.prepare(
      `SELECT count(*) AS n FROM sign_in_links WHERE email = 'nobody@example.com'`,
    ).first<{ n: number }>();
    expect(links!.n).toBe(0);
  });

  it('a session acts with its member role, only from the dashboard origin, and ends at sign-out or removal', async () => {
    const cookie = await signIn('ops@example.com');
    const ops = withCookie(cookie);
    await putWorkflow('people-sleep', 'name: people-sleep\nsteps: [ { id: a, sleep: 1ms } ]\n');
    expect((await ops('/workflows/people-sleep/runs', { method: 'POST', body: '{}' })).status).toBe(202);
    const edit = await ops('/workflows/people-sleep', {
      method: 'PUT',
      body: JSON.stringify({ name: 'people-sleep', steps: [{ id: 'b', sleep: '1ms' }] }),
    });
    expect(edit.status).toBe(403);
    // Another site's page cannot use the cookie, nor can a request without Origin.
    const foreign = await withCookie(cookie, 'https://evil.example')('/workflows/people-sleep/runs', {
      method: 'POST',
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    expect(
      (await withCookie(cookie, null)('/workflows/people-sleep/runs', { method: 'POST', body: '{}' })).status,
    ).toBe(403);
    expect((await withCookie(cookie, null)('/runs')).status).toBe(200);
    const out = await SELF.fetch(`${ORIGIN}/auth/sign-out`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect((await ops('/me')).status).toBe(401);
    // Removing a member ends their sessions at once.
    const second = withCookie(await signIn('ops@example.com'));
    expect((await second('/me')).status).toBe(200);
    expect((await api('/members/ops@example.com', { method: 'DELETE' })).status).toBe(204);
    expect((await second('/me')).status).toBe(401);
    expect((await api('/members')).status).toBe(200);
  });

  it('an approver decides only the approvals assigned to their email; the decision is recorded under it', async () => {
    await putWorkflow(
      'people-approve',
      `name: people-approve
steps:
  - id: review
    approval: { assignees: [lead@example.com], message: "Ship it?", deadline: 1h }
`,
    );
    const runId = await startRun('people-approve');
    const approvalId = await eventually(
      async () =>
        ((await (await api('/approvals?status=pending')).json()) as { id: string; runId: string }[]).find(
          (a) => a.runId === runId,
        )?.id,
    );
    const decide = (call: ReturnType<typeof withCookie>, body: unknown) =>
      call(`/approvals/${approvalId}`, { method: 'POST', body: JSON.stringify(body) });
    const other = withCookie(await signIn('other@example.com'));
    const refused = await decide(other, { decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('lead@example.com');
    // Nor by naming the assignee.
    expect((await decide(other, { decision: 'approve', by: 'lead@example.com' })).status).toBe(403);
    // An approver key decides nothing (approvers are people).
    const key = (await (
      await api('/keys', { method: 'POST', body: JSON.stringify({ name: 'approver-bot', role: 'approver' }) })
    ).json()) as { token: string };
    expect(
      (
        await apiAs(key.token)(`/approvals/${approvalId}`, {
          method: 'POST',
          body: JSON.stringify({ decision: 'approve', by: 'lead@example.com' }),
        })
      ).status,
    ).toBe(403);
    const lead = withCookie(await signIn('lead@example.com'));
    const decided = await decide(lead, { decision: 'approve', comment: 'ok' });
    expect(decided.status).toBe(200);
    const approval = (await (await api(`/approvals/${approvalId}`)).json()) as { status: string; decidedBy: string };
    expect(approval).toMatchObject({ status: 'approved', decidedBy: 'lead@example.com' });
    const audit = (await (await api(`/audit?object=${encodeURIComponent(approvalId)}`)).json()) as {
      actor: string;
      action: string;
    }[];
    expect(audit.map((e) => [e.actor, e.action])).toEqual(
      expect.arrayContaining([
        ['lead@example.com', 'POST /api/approvals/:id'],
        ['lead@example.com', 'approval.approve'],
      ]),
    );
    expect(audit.some((e) => e.actor.startsWith('other@') || e.actor === 'key:approver-bot')).toBe(false);
  });

  it('the hourly sweep deletes expired sessions and used or expired links, and keeps live ones', async () => {
    const db = database(env.DB);
    const now = Date.UTC(2030, 0, 1, 5, 0);
    const old = await createSession(db, 'default', 'sweep@example.com', new Date(now - 8 * 24 * 3_600_000));
    const live = await createSession(db, 'default', 'sweep@example.com', new Date(now - 60_000));
    const stale = await createSignInLink(db, 'default', 'sweep@example.com', new Date(now - 20 * 60_000));
    const fresh = await createSignInLink(db, 'default', 'sweep@example.com', new Date(now - 60_000));
    const count = async (table: string) =>
      (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE email = 'sweep@example.com'`).first<{
        n: number;
      }>())!.n;
    expect([await count('sessions'), await count('sign_in_links')]).toEqual([2, 2]);
    // Minute 1: no sweep; minute 0: swept.
    await worker.scheduled!(createScheduledController({ scheduledTime: now + 60_000, cron: '* * * * *' }), env);
    expect(await count('sessions')).toBe(2);
    await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: '* * * * *' }), env);
    const ids = await env.DB.prepare(`SELECT id FROM sign_in_links WHERE email = 'sweep@example.com'`).all<{
      id: string;
    }>();
    expect(ids.results.map((r) => r.id)).toEqual([fresh.id]);
    expect(stale.id).not.toBe(fresh.id);
    expect(await count('sessions')).toBe(1);
    expect(old.token).not.toBe(live.token);
  });
});
