import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  apiAs,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  replyOf,
} from '../support/helpers';

type Fb = { runId: string; rating: string; comment: string | null; source: string; by: string };

let n = 0;
const mail = (headers: Record<string, string>, body: string) =>
  receive(
    rawEmail(
      {
        From: 'lead@example.com',
        To: 'rate-me@baton.local',
        'Message-ID': `<fb-${++n}-${Date.now()}@example.com>`,
        ...headers,
      },
      body,
    ),
    { from: 'lead@example.com', to: 'rate-me@baton.local' },
  );
const runsOf = async () => ((await (await api('/runs?workflow=rate-me')).json()) as { runs: unknown[] }).runs;

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await putWorkflow(
    'rate-me',
    'name: rate-me\ntriggers: [ { email: { alias: rate-me } } ]\nsteps:\n  - { id: a, agent: tagger, input: "{{ trigger.email.subject }}" }\n',
  );
});

describe('feedback on runs', () => {
  it('a 👍 or "bad" reply to a result email records feedback on that run and starts no run; any other reply is a follow-up', async () => {
    const started = await mail({ Subject: 'Weekly report' }, 'Please.');
    const runId = started.runId!;
    const { parsed: result } = await replyOf(runId);
    const answer = (body: string) =>
      mail({ Subject: `Re: ${result.subject}`, 'In-Reply-To': result.messageId!, References: result.messageId! }, body);
    expect(await answer('👍\nGreat report, thanks.\n\nOn Mon, Baton wrote:\n> the report')).toMatchObject({
      status: 'accepted',
      reason: 'feedback: up',
      runId,
    });
    expect(await answer('Bad.\nThe numbers are old.')).toMatchObject({ reason: 'feedback: down', runId });
    expect(await runsOf()).toHaveLength(1);
    const list = (await (await api(`/runs/${runId}/feedback`)).json()) as Fb[];
    expect(list).toEqual([
      expect.objectContaining({
        rating: 'up',
        comment: 'Great report, thanks.',
        source: 'email',
        by: 'lead@example.com',
      }),
      expect.objectContaining({ rating: 'down', comment: 'The numbers are old.', source: 'email' }),
    ]);
    // Not feedback: a follow-up starts a run as before.
    const followUp = await answer('Can you add Pipedrive?');
    expect(followUp.reason).toBeUndefined();
    expect(followUp.runId).not.toBe(runId);
    expect(await runsOf()).toHaveLength(2);
  });

  it('thumbs by the API are recorded with who gave them; a viewer cannot rate; another tenant gets 404', async () => {
    const { runId } = await mail({ Subject: 'Rate by API' }, 'x');
    const res = await api(`/runs/${runId}/feedback`, {
      method: 'POST',
      body: JSON.stringify({ rating: 'down', comment: 'meh' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ runId, rating: 'down', comment: 'meh', source: 'api', by: 'ADMIN_TOKEN' });
    expect(
      (await api(`/runs/${runId}/feedback`, { method: 'POST', body: JSON.stringify({ rating: 'meh' }) })).status,
    ).toBe(400);
    const key = (await (
      await api('/keys', { method: 'POST', body: JSON.stringify({ name: 'fb-viewer', role: 'viewer' }) })
    ).json()) as {
      token: string;
    };
    const viewer = apiAs(key.token);
    expect(
      (await viewer(`/runs/${runId}/feedback`, { method: 'POST', body: JSON.stringify({ rating: 'up' }) })).status,
    ).toBe(403);
    expect((await viewer(`/runs/${runId}/feedback`)).status).toBe(200);
    expect((await api('/runs/run_missing/feedback')).status).toBe(404);
    await eventually(async () => ((await (await api(`/runs/${runId}/feedback`)).json()) as Fb[]).length === 1 || null);
  });
});
