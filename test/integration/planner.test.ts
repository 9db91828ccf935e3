import { env } from 'cloudflare:test';
import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoAgentBodies } from '../../src/demo/demo';
import { TaskPlan as Plan, TaskPlanList as PlanList } from '../../src/schemas/api/plans';
import { api, checked, deliver, eventually, putAgent, rawEmail, replyOf, waitForRun } from '../support/helpers';

/** Scripted answers of test/node/model-server.ts (a Node file: its types are not visible here). */
type Turn = { content: unknown };
type LogEntry = { messages: { role: string; content: unknown }[]; response_format?: unknown; system?: unknown };

async function script(name: string, turns: Turn[]): Promise<void> {
  const res = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ turns }),
  });
  expect(res.ok).toBe(true);
}
const logOf = async (name: string) =>
  (await (await fetch(`${env.TEST_AGENT_URL}/model/log/${name}`)).json()) as LogEntry[];

/** A planner agent whose model is the script `model`. */
const plannerAgent = (model: string) => ({
  provider: 'openai',
  description: 'Plans workflows',
  config: { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model, apiKeySecret: 'LLM_KEY' },
});

const step = (id: string, agent: string, input: string) => ({ id, agent, input });
const THREE_STEPS = {
  name: 'crm-report',
  triggers: [{ email: { alias: 'sneaky' } }],
  steps: [
    step('research', 'research', 'Research: {{ inputs.task }}'),
    step('summarize', 'summarize', 'Summarise each competitor: {{ research.output }}'),
    step('draft', 'draft', 'Draft a report: {{ summarize.output }}'),
  ],
  output: '{{ draft.output }}',
};
const UNKNOWN_AGENT = { ...THREE_STEPS, steps: [step('research', 'crm-wizard', '{{ inputs.task }}')] };
const FOUR_STEPS = {
  ...THREE_STEPS,
  steps: [...THREE_STEPS.steps, step('proofread', 'proofread', '{{ draft.output }}')],
  output: '{{ proofread.output }}',
};
const TASK = 'Research our three CRM competitors, summarise each, and draft a report';

/** The plan emails sent in a plan's thread, oldest first, parsed. */
async function planMails(planId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, message_id, raw FROM messages WHERE id LIKE ? AND direction = 'outbound' ORDER BY created_at, id",
  )
    .bind(`plan:${planId}:%`)
    .all<{ id: string; message_id: string; raw: string }>();
  return Promise.all(
    results.map(async (r) => ({ id: r.id, messageId: r.message_id, mail: await PostalMime.parse(r.raw) })),
  );
}

async function inbound(messageId: string) {
  return eventually(async () => {
    const row = await env.DB.prepare(
      "SELECT status, reason, run_id FROM messages WHERE direction = 'inbound' AND message_id = ?",
    )
      .bind(messageId)
      .first<{ status: string; reason: string | null; run_id: string | null }>();
    return row ?? undefined;
  });
}

/** The newest plan (GET /api/plans). */
async function newestPlan(): Promise<Plan> {
  const res = await api('/plans?limit=1');
  expect(res.status).toBe(200);
  const list = checked<{ plans: Plan[] }>(PlanList, await res.json(), 'GET /api/plans');
  return list.plans[0]!;
}

async function emailPlanner(messageId: string, from: string, body: string, extra: Record<string, string> = {}) {
  await deliver(
    rawEmail(
      {
        From: from,
        To: 'plan@baton.test',
        Subject: 'CRM report',
        'Message-ID': messageId,
        Date: 'Tue, 01 Dec 2026 09:00:00 +0000',
        ...extra,
      },
      body,
    ),
    { from: from.replace(/.*</, '').replace('>', ''), to: 'plan@baton.test' },
  );
}

beforeAll(async () => {
  for (const [name, body] of Object.entries(demoAgentBodies({})))
    await putAgent(name, { ...(body as object), pricing: { per_call: 0.002 } });
  await putAgent('planner', plannerAgent('planner-model'));
});

describe('plan@ by email', () => {
  it('plans (repairing an unknown agent), emails the plan, and runs it on "approve" with the report in the same thread', async () => {
    await script('planner-model', [{ content: UNKNOWN_AGENT }, { content: THREE_STEPS }]);
    await emailPlanner('<ask-1@example.com>', 'Ada <ada@example.com>', TASK);
    expect(await inbound('<ask-1@example.com>')).toMatchObject({ status: 'accepted' });

    const log = await logOf('planner-model');
    expect(log).toHaveLength(2);
    const prompt = String(log[0]!.messages[0]!.content);
    expect(prompt).toContain('Task (JSON string): "Research our three CRM competitors');
    expect(prompt).toContain('{"name":"summarize","status":"active"');
    expect(prompt).toContain('"pricing_usd":{"per_call":0.002}');
    expect(prompt).not.toContain('"name":"planner"');
    expect(log[0]!.response_format).toMatchObject({ type: 'json_schema' });
    const repair = JSON.stringify(log[1]!.messages.at(-1));
    expect(repair).toContain('steps[0].agent');
    expect(repair).toContain('crm-wizard');

    const plan = await newestPlan();
    expect(plan).toMatchObject({ status: 'proposed', task: TASK, requester: 'ada@example.com', problems: [] });
    expect(plan.estimate!.criticalPath).toEqual(['research', 'summarize', 'draft']);
    expect(plan.estimate!.costUsd).toBeCloseTo(0.006, 6);
    expect((plan.definition as { triggers: unknown[] }).triggers).toEqual([]);

    const [sent] = await planMails(plan.id);
    expect(sent!.mail.subject).toBe('Re: CRM report');
    expect(sent!.mail.inReplyTo).toBe('<ask-1@example.com>');
    expect(sent!.mail.to?.[0]?.address).toBe('ada@example.com');
    expect(sent!.mail.text).toMatch(/1\. research \(research\)/);
    expect(sent!.mail.text).toMatch(/3\. draft \(draft\) after summarize/);
    expect(sent!.mail.text).toContain('Estimated cost: $0.0060 per run');

    await emailPlanner('<ok-1@example.com>', 'ada@example.com', 'Approve\n\n> earlier text', {
      Subject: 'Re: CRM report',
      'In-Reply-To': sent!.messageId,
      References: `<ask-1@example.com> ${sent!.messageId}`,
    });
    const approved = await inbound('<ok-1@example.com>');
    expect(approved).toMatchObject({ status: 'accepted' });
    const run = await waitForRun(approved.run_id!);
    expect(run.status).toBe('completed');
    expect(run.workflow).toBe(`plan-${plan.id.slice(-8)}`);
    expect(run.steps.map((s) => s.id)).toEqual(['research', 'summarize', 'draft']);
    expect(run.steps[0]!.input).toContain('CRM competitors');

    const { recorded, parsed } = await replyOf(run.id);
    expect(recorded).toMatchObject({ from: 'plan@baton.test', to: 'ada@example.com', subject: 'Re: CRM report' });
    expect(parsed.inReplyTo).toBe('<ok-1@example.com>');
    expect(parsed.references).toBe(`<ask-1@example.com> ${sent!.messageId} <ok-1@example.com>`);

    const after = checked<Plan>(Plan, await (await api(`/plans/${plan.id}`)).json(), 'GET /api/plans/:id');
    expect(after).toMatchObject({ status: 'approved', runId: run.id, workflow: run.workflow, version: 1 });
  }, 40_000);

  it('re-plans with the text of a reply as feedback (same plan, emailed again), and a reply from someone else decides nothing', async () => {
    await script('planner-model', [{ content: THREE_STEPS }, { content: FOUR_STEPS }]);
    await emailPlanner('<ask-2@example.com>', 'ada@example.com', TASK);
    const plan = await newestPlan();
    const [first] = await planMails(plan.id);

    await emailPlanner('<intruder@example.com>', 'eve@example.com', 'approve', { 'In-Reply-To': first!.messageId });
    expect(await inbound('<intruder@example.com>')).toMatchObject({ status: 'rejected' });
    expect((await inbound('<intruder@example.com>')).reason).toMatch(/^plan_reply_not_requester/);

    await emailPlanner('<fb-2@example.com>', 'ada@example.com', 'Please proofread the report too.', {
      'In-Reply-To': first!.messageId,
      References: `<ask-2@example.com> ${first!.messageId}`,
    });
    expect(await inbound('<fb-2@example.com>')).toMatchObject({ status: 'accepted' });
    const log = await logOf('planner-model');
    expect(JSON.stringify(log.at(-1)!.messages.at(-1))).toContain('Please proofread the report too.');
    const again = checked<Plan>(Plan, await (await api(`/plans/${plan.id}`)).json(), 'GET /api/plans/:id');
    expect(again).toMatchObject({ status: 'proposed', feedback: ['Please proofread the report too.'] });
    expect(again.estimate!.criticalPath).toEqual(['research', 'summarize', 'draft', 'proofread']);
    const mails = await planMails(plan.id);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.mail.inReplyTo).toBe('<fb-2@example.com>');
    expect(mails[1]!.mail.text).toContain('4. proofread (proofread)');
  }, 30_000);

  it('"approve" counts only as a reply to the latest plan email: an older one runs nothing', async () => {
    await script('planner-model', [{ content: THREE_STEPS }, { content: FOUR_STEPS }]);
    await emailPlanner('<ask-6@example.com>', 'ada@example.com', TASK);
    const plan = await newestPlan();
    const [first] = await planMails(plan.id);
    await emailPlanner('<fb-6@example.com>', 'ada@example.com', 'Please proofread the report too.', {
      'In-Reply-To': first!.messageId,
    });
    expect(await inbound('<fb-6@example.com>')).toMatchObject({ status: 'accepted' });
    expect(await planMails(plan.id)).toHaveLength(2);
    await emailPlanner('<old-yes-6@example.com>', 'ada@example.com', 'approve', { 'In-Reply-To': first!.messageId });
    const stale = await inbound('<old-yes-6@example.com>');
    expect(stale).toMatchObject({ status: 'rejected', run_id: null });
    expect(stale.reason).toMatch(/^plan_conflict: .*not the latest one/);
    expect((await (await api(`/plans/${plan.id}`)).json()) as Plan).toMatchObject({ status: 'proposed', runId: null });
  }, 30_000);

  it('"reject" ends the plan; a later "approve" is answered and runs nothing', async () => {
    await script('planner-model', [{ content: THREE_STEPS }]);
    await emailPlanner('<ask-3@example.com>', 'ada@example.com', TASK);
    const plan = await newestPlan();
    const [first] = await planMails(plan.id);
    await emailPlanner('<no-3@example.com>', 'ada@example.com', 'reject', { 'In-Reply-To': first!.messageId });
    expect(await inbound('<no-3@example.com>')).toMatchObject({ status: 'accepted' });
    await emailPlanner('<yes-3@example.com>', 'ada@example.com', 'approve', { 'In-Reply-To': first!.messageId });
    const late = await inbound('<yes-3@example.com>');
    expect(late).toMatchObject({ status: 'rejected', run_id: null });
    expect(late.reason).toMatch(/rejected already/);
    expect((await (await api(`/plans/${plan.id}`)).json()) as Plan).toMatchObject({ status: 'rejected', runId: null });
  }, 30_000);

  it('refuses senders outside PLAN_ALLOW without asking the planner', async () => {
    await script('planner-model', [{ content: THREE_STEPS }]);
    await emailPlanner('<ask-4@evil.test>', 'mallory@evil.test', TASK);
    expect((await inbound('<ask-4@evil.test>')).reason).toMatch(/^sender_not_allowed/);
    expect(await logOf('planner-model')).toHaveLength(0);
  });
});

describe('POST /api/plan', () => {
  it('proposes, lists, approves (once) and runs a plan', async () => {
    await putAgent('planner-api', plannerAgent('planner-api-model'));
    await script('planner-api-model', [{ content: `\`\`\`json\n${JSON.stringify(THREE_STEPS)}\n\`\`\`` }]);
    const res = await api('/plan', {
      method: 'POST',
      body: JSON.stringify({ task: TASK, constraints: { max_steps: 5 }, planner: 'planner-api' }),
    });
    expect(res.status).toBe(201);
    const plan = checked<Plan>(Plan, await res.json(), 'POST /api/plan');
    expect(plan).toMatchObject({ status: 'proposed', planner: 'planner-api', requester: null });
    expect((await newestPlan()).id).toBe(plan.id);

    const ok = await api(`/plans/${plan.id}/approve`, { method: 'POST' });
    expect(ok.status).toBe(200);
    const approved = checked<Plan>(Plan, await ok.json(), 'POST /api/plans/:id/approve');
    const run = await waitForRun(approved.runId!);
    expect(run).toMatchObject({ status: 'completed', trigger: { type: 'api' } });
    expect((await api(`/plans/${plan.id}/approve`, { method: 'POST' })).status).toBe(409);
    expect((await api(`/plans/${plan.id}/reject`, { method: 'POST' })).status).toBe(409);
  }, 30_000);

  it('stores a plan that still fails after two repair turns as invalid, with its problems', async () => {
    await putAgent('planner-bad', plannerAgent('planner-bad-model'));
    await script('planner-bad-model', [{ content: UNKNOWN_AGENT }]);
    const res = await api('/plan', { method: 'POST', body: JSON.stringify({ task: TASK, planner: 'planner-bad' }) });
    expect(res.status).toBe(201);
    const plan = checked<Plan>(Plan, await res.json(), 'POST /api/plan');
    expect(plan.status).toBe('invalid');
    expect(plan.problems.map((p) => p.path)).toContain('steps[0].agent');
    expect(await logOf('planner-bad-model')).toHaveLength(3);
    expect((await api(`/plans/${plan.id}/approve`, { method: 'POST' })).status).toBe(409);
    expect((await api(`/plans/${plan.id}/reject`, { method: 'POST' })).status).toBe(200);
  });

  it('works with an anthropic planner (the schema in its system prompt) and pages plans newest first', async () => {
    await putAgent('planner-claude', {
      provider: 'anthropic',
      config: {
        baseUrl: `${env.TEST_AGENT_URL}/model/anthropic`,
        model: 'planner-claude-model',
        apiKeySecret: 'LLM_KEY',
      },
    });
    await script('planner-claude-model', [{ content: THREE_STEPS }]);
    const res = await api('/plan', { method: 'POST', body: JSON.stringify({ task: TASK, planner: 'planner-claude' }) });
    const plan = checked<Plan>(Plan, await res.json(), 'POST /api/plan');
    expect(plan.status).toBe('proposed');
    expect(String((await logOf('planner-claude-model'))[0]!.system)).toContain('$defs');

    const first = checked<{ plans: Plan[]; nextCursor: string | null }>(
      PlanList,
      await (await api('/plans?limit=1')).json(),
      'GET /api/plans',
    );
    expect(first.plans[0]!.id).toBe(plan.id);
    expect(first.nextCursor).toBeTruthy();
    const next = (await (await api(`/plans?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`)).json()) as {
      plans: Plan[];
    };
    expect(next.plans[0]!.id < plan.id).toBe(true);
    expect((await api('/plans/plan_nope')).status).toBe(404);
  });

  it('refuses a plan over max_steps or max_usd and a task that is too long', async () => {
    await putAgent('planner-big', plannerAgent('planner-big-model'));
    await script('planner-big-model', [{ content: FOUR_STEPS }]);
    const body = { task: TASK, planner: 'planner-big', constraints: { max_steps: 3, max_usd: 0.005 } };
    const plan = (await (await api('/plan', { method: 'POST', body: JSON.stringify(body) })).json()) as Plan;
    expect(plan.status).toBe('invalid');
    expect(plan.problems.map((p) => p.message).join('\n')).toMatch(
      /4 steps; at most 3[\s\S]*0\.008 USD per run; at most 0\.005/,
    );
    const long = await api('/plan', { method: 'POST', body: JSON.stringify({ task: 'x'.repeat(4001) }) });
    expect(long.status).toBe(400);
  });
});
