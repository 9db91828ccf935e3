import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import { signLink } from '../../src/lib/links';
import { linkSigningKey } from '../../src/adapter/cloudflare/env';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  startRun,
  stubOf,
  waitForRun,
  type RecordedMessage,
} from '../support/helpers';

interface Approval {
  id: string;
  runId: string;
  stepId: string;
  round: number;
  status: string;
  options: string[];
  message: string;
  decidedBy: string | null;
  comment: string | null;
}

const REVIEW = (name: string, extra = '') => `name: ${name}
steps:
  - { id: draft, agent: tagger, input: "draft {{ review.comment ? review.comment : 'v1' }}" }
  - id: review
    approval:
      assignees: [lead@example.com]
      message: "Send this? {{ draft.output }}"
      deadline: 1h
      on_request_changes: draft${extra}
  - { id: send, agent: tagger, input: "{{ draft.output }}" }
`;

const pending = (runId: string, round = 1) =>
  eventually(async () => {
    const list = (await (await api('/approvals?status=pending')).json()) as Approval[];
    return list.find((a) => a.runId === runId && a.round === round);
  });
/** The approval email sent to `to` for a round, parsed. */
const approvalEmail = async (runId: string, approvalId: string, to = 'lead@example.com') => {
  const recorded = await eventually(async () => {
    const list = (await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[];
    return list.find(
      (m) => m.direction === 'outbound' && m.to === to && m.raw.includes(`X-Baton-Approval: ${approvalId}`),
    );
  });
  return { recorded, parsed: await PostalMime.parse(recorded.raw) };
};
const linkIn = (text: string, label: string) => new URL(new RegExp(`- ${label}: (\\S+)`).exec(text)![1]!);

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
});

describe('approval by API and by email reply', () => {
  it('waits; request_changes re-runs the draft with the comment and asks again; an emailed "Approve" completes the run with the comment, quoted text gone', async () => {
    await putWorkflow('approve-flow', REVIEW('approve-flow'));
    const runId = await startRun('approve-flow');
    const first = await pending(runId);
    expect(first).toMatchObject({
      stepId: 'review',
      options: ['approve', 'reject', 'request_changes'],
      message: 'Send this? T: draft v1',
    });
    expect(((await (await api(`/runs/${runId}?steps=false`)).json()) as { status: string }).status).toBe('waiting');

    const { parsed: mail1 } = await approvalEmail(runId, first.id);
    expect(mail1.subject).toBe('Approval needed: approve-flow / review');
    expect(mail1.text).toContain('Send this? T: draft v1');
    expect(mail1.text).toContain(
      'reply to this email with approve, reject or request changes'.replace('reply', 'Reply'),
    );
    for (const label of ['Approve', 'Reject', 'Request changes'])
      expect(linkIn(mail1.text!, label).pathname).toBe(`/hooks/approvals/${encodeURIComponent(first.id)}`);

    const asked = await api(`/approvals/${encodeURIComponent(first.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'request_changes', comment: 'shorter', by: 'lead@example.com' }),
    });
    expect(asked.status).toBe(200);
    expect(await asked.json()).toMatchObject({ decision: 'request_changes', stepStatus: 'pending' });
    const second = await pending(runId, 2);
    expect(second.message).toBe('Send this? T: draft shorter');
    expect(await (await api(`/approvals/${encodeURIComponent(first.id)}`)).json()).toMatchObject({
      status: 'changes_requested',
      decidedBy: 'lead@example.com',
      comment: 'shorter',
    });

    const { parsed: mail2 } = await approvalEmail(runId, second.id);
    const reply = rawEmail(
      {
        From: 'Lead <lead@example.com>',
        To: 'baton@baton.local',
        Subject: `Re: ${mail2.subject}`,
        'Message-ID': `<reply-${runId}@example.com>`,
        'In-Reply-To': mail2.messageId!,
        References: mail2.messageId!,
        'Content-Type': 'text/plain; charset=utf-8',
      },
      `Approve\nLooks good now.\n\nOn Sun, 22 Nov 2026 at 10:00, Baton <baton@baton.local> wrote:\n> Send this? T: draft shorter\n> Reply to this email with approve`,
    );
    const outcome = await receive(reply, { from: 'lead@example.com', to: 'baton@baton.local' });
    expect(outcome).toMatchObject({ status: 'accepted', runId });
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.find((s) => s.id === 'review')!.output).toMatchObject({
      decision: 'approve',
      comment: 'Looks good now.',
      decidedBy: 'lead@example.com',
    });
    expect(run.output).toBe('T: T: draft shorter');
    const audit = (
      (await (await api(`/approvals/${encodeURIComponent(second.id)}`)).json()) as {
        audit: { actor: string; action: string }[];
      }
    ).audit;
    // The decision as it arrived, and the round closed by the run (written concurrently).
    expect(audit.map((a) => `${a.actor} ${a.action}`).sort()).toEqual([
      'email:lead@example.com approval.approve',
      'lead@example.com approval.approved',
    ]);
  });

  it('a reply from someone else, or without a decision, decides nothing; only an assignee is answered', async () => {
    await putWorkflow('approve-others', REVIEW('approve-others'));
    const runId = await startRun('approve-others');
    const approval = await pending(runId);
    const { parsed } = await approvalEmail(runId, approval.id);
    const replyFrom = (from: string, body: string, n: number) =>
      rawEmail(
        {
          From: from,
          To: 'baton@baton.local',
          Subject: 'Re: x',
          'Message-ID': `<o${n}-${runId}@example.com>`,
          'In-Reply-To': parsed.messageId!,
        },
        body,
      );
    expect(
      await receive(replyFrom('mallory@example.com', 'approve', 1), {
        from: 'mallory@example.com',
        to: 'baton@baton.local',
      }),
    ).toMatchObject({ status: 'rejected', reason: expect.stringContaining('not an assignee') });
    expect(
      await receive(replyFrom('lead@example.com', 'Looks fine I guess', 2), {
        from: 'lead@example.com',
        to: 'baton@baton.local',
      }),
    ).toMatchObject({ status: 'rejected', reason: 'approval_reply_without_decision' });
    const answers = await eventually(async () => {
      const list = ((await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[]).filter(
        (m) => m.direction === 'outbound' && m.subject === 'Re: x',
      );
      return list.length >= 1 ? list : null;
    });
    // Only an assignee is answered: a reply claiming any other From: gets no email (no backscatter).
    expect(answers.map((m) => m.to)).toEqual(['lead@example.com']);
    expect((await PostalMime.parse(answers[0]!.raw)).text).toContain('Nothing was decided');
    expect(((await stubOf(runId).snapshot()) as unknown as { status: string }).status).toBe('waiting');
    expect(
      (
        await api(`/approvals/${encodeURIComponent(approval.id)}`, {
          method: 'POST',
          body: JSON.stringify({ decision: 'maybe' }),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api(`/approvals/${encodeURIComponent(approval.id)}`, {
          method: 'POST',
          body: JSON.stringify({ decision: 'reject', comment: 'no' }),
        })
      ).status,
    ).toBe(200);
    expect(await waitForRun(runId)).toMatchObject({ status: 'failed', error: { code: 'rejected', stepId: 'review' } });
    const again = await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(again.status).toBe(409);
    expect(
      (await api('/approvals/nope:review:1', { method: 'POST', body: JSON.stringify({ decision: 'approve' }) })).status,
    ).toBe(404);
  });
});

describe('approval Message-IDs carry a MAC', () => {
  it('a guessed or tampered approval Message-ID decides nothing, is recorded as forged, and nobody is answered', async () => {
    await putWorkflow('approve-forged', REVIEW('approve-forged'));
    const runId = await startRun('approve-forged');
    const approval = await pending(runId);
    const { parsed } = await approvalEmail(runId, approval.id);
    const b64 = btoa(approval.id).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const real = parsed.messageId!;
    const tampered = real.replace(
      /([A-Za-z0-9_-])([A-Za-z0-9_-]{4})@/,
      (_m, c: string, tail: string) => `${c === 'A' ? 'B' : 'A'}${tail}@`,
    );
    const guesses = [
      `<approval.${b64}.anything@baton.local>`,
      `<approval.${b64}.0123456789abcdef0123456789abcdef.${'A'.repeat(43)}@baton.local>`,
      tampered,
    ];
    for (const [n, guess] of guesses.entries()) {
      const reply = rawEmail(
        {
          From: 'lead@example.com',
          To: 'baton@baton.local',
          Subject: `Re: forged ${n}`,
          'Message-ID': `<forged-${n}-${runId}@example.com>`,
          'In-Reply-To': guess,
          References: guess,
        },
        'approve',
      );
      const outcome = await receive(reply, { from: 'lead@example.com', to: 'baton@baton.local' });
      expect(outcome, guess).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/^forged_approval_id: /),
      });
      const recorded = (
        (await (await api('/messages?direction=inbound&limit=200')).json()) as {
          messages: { messageId: string; status: string; reason?: string }[];
        }
      ).messages.find((m) => m.messageId === `<forged-${n}-${runId}@example.com>`);
      expect(recorded).toMatchObject({ status: 'rejected', reason: outcome.reason });
    }
    expect(((await (await api(`/approvals/${encodeURIComponent(approval.id)}`)).json()) as Approval).status).toBe(
      'pending',
    );
    expect(((await stubOf(runId).snapshot()) as unknown as { status: string }).status).toBe('waiting');
    const answered = (
      (await (await api('/messages?direction=outbound&limit=200')).json()) as { messages: { subject: string }[] }
    ).messages.filter((m) => m.subject.startsWith('Re: forged'));
    expect(answered).toEqual([]);
    // The genuine id still decides.
    const genuine = rawEmail(
      {
        From: 'lead@example.com',
        To: 'baton@baton.local',
        Subject: 'Re: ok',
        'Message-ID': `<genuine-${runId}@example.com>`,
        'In-Reply-To': real,
      },
      'reject\nnot now',
    );
    expect(await receive(genuine, { from: 'lead@example.com', to: 'baton@baton.local' })).toMatchObject({
      status: 'accepted',
      runId,
    });
    expect(await waitForRun(runId)).toMatchObject({ status: 'failed', error: { code: 'rejected' } });
  });
});

describe('signed links', () => {
  it('exp must be a canonical decimal integer: other spellings of the same number are refused', async () => {
    await putWorkflow('approve-exp', REVIEW('approve-exp'));
    const runId = await startRun('approve-exp');
    const approval = await pending(runId);
    const { parsed } = await approvalEmail(runId, approval.id);
    const link = linkIn(parsed.text!, 'Approve');
    const exp = Number(link.searchParams.get('exp'));
    const spelled = (text: string) => {
      const url = new URL(link);
      url.searchParams.set('exp', text);
      return fetchSelf(`${url.pathname}${url.search}`);
    };
    expect((await spelled(String(exp))).status).toBe(200);
    for (const text of [
      `${exp}.0`,
      `0x${exp.toString(16)}`,
      `+${exp}`,
      `${exp}e0`,
      ` ${exp}`,
      `0${exp}`,
      `${(exp / 1e9).toFixed(9)}e9`,
    ]) {
      expect((await spelled(text)).status, text).toBe(403);
    }
  });

  it('GET asks to confirm; POST decides once; tampered, expired and reused links are refused', async () => {
    await putWorkflow('approve-links', REVIEW('approve-links'));
    const runId = await startRun('approve-links');
    const approval = await pending(runId);
    const { parsed } = await approvalEmail(runId, approval.id);
    const link = linkIn(parsed.text!, 'Approve');
    const local = (url: URL, init?: RequestInit) => fetchSelf(`${url.pathname}${url.search}`, init);

    const tampered = new URL(link);
    tampered.searchParams.set('d', 'reject');
    expect((await local(tampered, { method: 'POST' })).status).toBe(403);
    const forged = new URL(link);
    forged.searchParams.set('a', 'mallory@example.com');
    expect((await local(forged)).status).toBe(403);

    const exp = Math.floor(Date.now() / 1000) - 60;
    const key = linkSigningKey(env);
    const expired = new URL(link);
    expired.searchParams.set('exp', String(exp));
    expired.searchParams.set(
      'sig',
      await signLink(key, { approvalId: approval.id, decision: 'approve', assignee: 'lead@example.com', exp }),
    );
    const expiredPage = await local(expired, { method: 'POST' });
    expect(expiredPage.status).toBe(410);
    expect(await expiredPage.text()).toContain('Link expired');

    const confirm = await local(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toMatch(/<form method="post">[\s\S]*<button type="submit">Approve<\/button>/);
    expect(((await stubOf(runId).snapshot()) as unknown as { status: string }).status).toBe('waiting');

    const body = new URLSearchParams({ comment: 'via link' });
    const done = await local(link, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('is recorded');
    const reused = await local(link, { method: 'POST' });
    expect(reused.status).toBe(409);
    expect(await reused.text()).toContain('Already decided');
    const run = await waitForRun(runId);
    expect(run.steps.find((s) => s.id === 'review')!.output).toMatchObject({
      decision: 'approve',
      comment: 'via link',
      decidedBy: 'lead@example.com',
    });
  });

  it('the confirm page shows the message and names as text: markup in them is escaped, never run', async () => {
    await putWorkflow(
      'approve-markup',
      `name: approve-markup
steps:
  - id: review
    approval:
      assignees: [lead@example.com]
      message: "<script>alert(1)</script> & <b onclick=x>{{ inputs.note }}</b>"
`,
    );
    const runId = await startRun('approve-markup', { note: '"><img src=x onerror=alert(2)>' });
    const approval = await pending(runId);
    const { parsed } = await approvalEmail(runId, approval.id);
    const link = linkIn(parsed.text!, 'Approve');
    const page = await (await fetchSelf(`${link.pathname}${link.search}`)).text();
    expect(page).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b onclick=x&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&lt;/b&gt;',
    );
    expect(page).not.toMatch(/<script|<img|<b /);
  });
});

describe('deadlines', () => {
  it('an approval whose deadline passes takes on_timeout, decided by `timeout`', async () => {
    await putWorkflow('approve-deadline', REVIEW('approve-deadline', '\n      on_timeout: approve'));
    const runId = await startRun('approve-deadline');
    const approval = await pending(runId);
    const stub = stubOf(runId);
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE id LIKE 'approval_deadline:%'");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.find((s) => s.id === 'review')!.output).toMatchObject({
      decision: 'approve',
      decidedBy: 'timeout',
    });
    expect(
      await eventually(async () => {
        const row = (await (await api(`/approvals/${encodeURIComponent(approval.id)}`)).json()) as Approval;
        return row.status === 'approved' ? row : null;
      }),
    ).toMatchObject({ decidedBy: 'timeout' });
  });
});

describe('escalation and the requester', () => {
  it('escalation re-notifies the assignees and tells the escalation addresses; the person who emailed gets a note of the decision', async () => {
    await putWorkflow(
      'approve-mail',
      REVIEW('approve-mail', '\n      escalate: { after: 30m, to: [boss@example.com] }').replace(
        'steps:',
        'triggers: [ { email: { alias: approve-mail } } ]\nsteps:',
      ),
    );
    const request = rawEmail(
      {
        From: 'ada@example.com',
        To: 'approve-mail@baton.test',
        Subject: 'Please draft',
        'Message-ID': '<ask-1@example.com>',
      },
      'draft it',
    );
    const { runId } = await receive(request, { from: 'ada@example.com', to: 'approve-mail@baton.test' });
    const approval = await pending(runId!);
    const stub = stubOf(runId!);
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE id LIKE 'approval_escalate:%'");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const sent = await eventually(async () => {
      const list = ((await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[]).filter(
        (m) => m.direction === 'outbound',
      );
      return list.length >= 3 ? list : null;
    });
    expect(sent.map((m) => [m.to, m.subject])).toEqual(
      expect.arrayContaining([
        ['lead@example.com', 'Approval needed: approve-mail / review'],
        ['lead@example.com', 'Reminder: approval needed: approve-mail / review'],
        ['boss@example.com', 'Reminder: approval needed: approve-mail / review'],
      ]),
    );
    expect(sent.every((m) => m.from === 'approve-mail@baton.test')).toBe(true);
    const notice = await PostalMime.parse(sent.find((m) => m.to === 'boss@example.com')!.raw);
    expect(notice.text).toContain('waiting for lead@example.com');
    expect(notice.text).not.toContain('/hooks/approvals/');

    await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', comment: 'fine', by: 'lead@example.com' }),
    });
    await waitForRun(runId!);
    const note = await eventually(async () =>
      ((await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[]).find(
        (m) => m.subject === 'Decision: approve-mail / review approved',
      ),
    );
    expect(note).toMatchObject({ to: 'ada@example.com', inReplyTo: '<ask-1@example.com>' });
    expect((await PostalMime.parse(note.raw)).text).toContain('was approved by lead@example.com:\n\nfine');
  });
});

/** Requests the Worker itself (no auth: the link routes are public). */
async function fetchSelf(path: string, init?: RequestInit): Promise<Response> {
  const { SELF } = await import('cloudflare:test');
  return SELF.fetch(`http://baton.test${path}`, init);
}
