import { SELF } from 'cloudflare:test';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoAgentBodies } from '../../src/demo/demo';
import { hmacSha256Hex } from '../../src/lib/hash';
import type { Run, WorkflowTemplate } from '../../src/schemas/api';
import PR_OPENED from '../fixtures/webhooks/github__pull_request.opened.json';
import { api, eventually, putAgent, rawEmail, receive, waitForRun } from '../support/helpers';

const use = (id: string, body: unknown) => api(`/templates/${id}/use`, { method: 'POST', body: JSON.stringify(body) });
let n = 0;
async function email(to: string, subject: string, text: string): Promise<string> {
  const outcome = await receive(
    rawEmail(
      { From: 'lead@example.com', To: to, Subject: subject, 'Message-ID': `<tpl-${++n}-${Date.now()}@example.com>` },
      text,
    ),
    { from: 'lead@example.com', to },
  );
  expect(outcome.status, JSON.stringify(outcome)).toBe('accepted');
  return outcome.runId!;
}
const startApi = async (workflow: string) =>
  ((await (await api(`/workflows/${workflow}/runs`, { method: 'POST', body: '{}' })).json()) as { runId: string })
    .runId;

let templates: WorkflowTemplate[] = [];

beforeAll(async () => {
  // The builtin demo agents, as `npm start` registers them offline.
  for (const [name, body] of Object.entries(demoAgentBodies({}))) await putAgent(name, body);
  const res = await api('/templates');
  expect(res.status).toBe(200);
  templates = (await res.json()) as WorkflowTemplate[];
});

describe('the templates library', () => {
  it('lists at least six templates, each with its vars, source and graph', () => {
    expect(templates.map((t) => t.id)).toEqual([
      'competitor-analysis',
      'daily-news-digest',
      'weekly-competitor-update',
      'pr-review',
      'support-triage',
      'rfp-response',
    ]);
    for (const t of templates) {
      expect(parse(t.source).name, t.id).toBe(t.id);
      expect(t.plan.nodes.length, t.id).toBeGreaterThan(1);
      expect(t.plan.criticalPath.steps.length, t.id).toBeGreaterThan(0);
    }
    expect(templates.find((t) => t.id === 'rfp-response')!.plan.nodes.map((n) => n.kind)).toEqual(
      expect.arrayContaining(['parallel', 'approval']),
    );
    expect(templates.find((t) => t.id === 'support-triage')!.plan.nodes.map((n) => n.kind)).toContain('switch');
  });

  it('refuses an unknown template, an unknown var and a var of the wrong type, saying which', async () => {
    expect((await use('no-such', { name: 'x' })).status).toBe(404);
    const unknown = await use('daily-news-digest', { name: 'tpl-bad', vars: { colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('json.vars.colour');
    const wrong = await use('weekly-competitor-update', { name: 'tpl-bad', vars: { competitors: 'Acme' } });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain('json.vars.competitors');
    expect((await use('daily-news-digest', { name: 'tpl-twice' })).status).toBe(201);
    expect((await use('daily-news-digest', { name: 'tpl-twice' })).status).toBe(409);
  });

  it('competitor analysis: an email to its alias comes back as a report', async () => {
    expect((await use('competitor-analysis', { name: 'tpl-intel' })).status).toBe(201);
    const run = await waitForRun(await email('tpl-intel@baton.local', 'Acme vs Globex', 'Compare their pricing.'));
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.id)).toEqual(['research', 'summarize', 'draft', 'proofread']);
  });

  it('daily news digest: its schedule and topic are the vars; a run completes', async () => {
    const res = await use('daily-news-digest', {
      name: 'tpl-digest',
      vars: { topic: 'battery recycling', cron: '30 6 * * *', timezone: 'Europe/Berlin' },
    });
    expect(res.status).toBe(201);
    const schedules = (await (await api('/schedules')).json()) as {
      workflow: string;
      cron: string;
      timezone: string;
    }[];
    expect(schedules.find((s) => s.workflow === 'tpl-digest')).toMatchObject({
      cron: '30 6 * * *',
      timezone: 'Europe/Berlin',
    });
    const run = await waitForRun(await startApi('tpl-digest'));
    expect(run.status).toBe('completed');
    expect(run.steps[0]!.input).toBe('The latest news on battery recycling');
  });

  it('weekly competitor update: one research per competitor, side by side, then one report', async () => {
    expect(
      (await use('weekly-competitor-update', { name: 'tpl-weekly', vars: { competitors: ['Acme', 'Initech'] } }))
        .status,
    ).toBe(201);
    const run = await waitForRun(await startApi('tpl-weekly'));
    expect(run.status).toBe('completed');
    expect(run.steps.filter((s) => s.id.startsWith('changes')).map((s) => s.input)).toEqual([
      'What changed at Acme this week?',
      'What changed at Initech this week?',
    ]);
  });

  it('PR review: a signed GitHub pull_request webhook gets a review', async () => {
    expect((await use('pr-review', { name: 'tpl-pr' })).status).toBe(201);
    const body = JSON.stringify(PR_OPENED);
    const res = await SELF.fetch('http://baton.test/hooks/tpl-pr', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': `tpl-${Date.now()}`,
        'x-hub-signature-256': `sha256=${await hmacSha256Hex("It's a Secret to Everybody", body)}`,
      },
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.input).toMatchObject({ title: PR_OPENED.pull_request.title, url: PR_OPENED.pull_request.html_url });
  });

  it('support triage: the switch sends billing, technical and other mail down their own branch', async () => {
    expect((await use('support-triage', { name: 'tpl-support' })).status).toBe(201);
    const branch = async (subject: string, text: string) => {
      const run = await waitForRun(await email('tpl-support@baton.local', subject, text));
      expect(run.status).toBe('completed');
      return run.steps.filter((s) => s.status === 'succeeded').map((s) => s.id);
    };
    expect(await branch('Wrong invoice', 'You charged me twice.')).toContain('billing');
    expect(await branch('Cannot sign in', 'The login page shows an error.')).toEqual(
      expect.arrayContaining(['diagnose', 'technical']),
    );
    expect(await branch('Hello', 'Do you have a roadmap?')).toContain('general');
  });

  it('RFP response: research in parallel, a draft, a person approves, then it completes', async () => {
    expect((await use('rfp-response', { name: 'tpl-rfp', vars: { approvers: ['bids@example.com'] } })).status).toBe(
      201,
    );
    const runId = await email('tpl-rfp@baton.local', 'RFP: CRM for 200 seats', 'We need a CRM for 200 seats by Q3.');
    const approval = await eventually(async () =>
      ((await (await api('/approvals?status=pending')).json()) as { id: string; runId: string }[]).find(
        (a) => a.runId === runId,
      ),
    );
    const decided = await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', by: 'bids@example.com' }),
    });
    expect(decided.status).toBe(200);
    const run: Run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.id)).toEqual(
      expect.arrayContaining(['requirements', 'pricing', 'references', 'draft', 'review', 'final']),
    );
  });
});
