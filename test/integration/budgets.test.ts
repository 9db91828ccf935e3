import PostalMime from 'postal-mime';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  eventually,
  httpAgent,
  putAgent,
  putWorkflow,
  rawEmail,
  receive,
  startRun,
  waitForRun,
  type RecordedMessage,
} from '../support/helpers';

/** Three steps of an agent that reports costUsd 0.01 per call. */
const THREE = (name: string, budget: string, owners = 'owners: [owner@example.com]\n') => `name: ${name}
${owners}budget: ${budget}
steps:
  - { id: one, agent: penny, input: "1" }
  - { id: two, agent: penny, input: "2" }
  - { id: three, agent: penny, input: "3" }
`;

interface RunView {
  status: string;
  pausedFor?: string;
  budgetWait?: { approvalId: string; stepId: string; scope: string; spentUsd: number; limitUsd: number };
  steps: { id: string; status: string }[];
  error: { code: string; message: string } | null;
  usage: { costUsd?: number } | null;
}
const runOf = async (runId: string) => (await (await api(`/runs/${runId}`)).json()) as RunView;

beforeAll(async () => {
  await putAgent('penny', httpAgent('cost/0.01'));
});

describe('budget per run', () => {
  it('the third step does not start, the run pauses and the owner is emailed; approve by reply lets it finish', async () => {
    await putWorkflow('budget-pause', THREE('budget-pause', '{ usd: 0.025 }'));
    const runId = await startRun('budget-pause');
    const paused = await eventually(async () => {
      const run = await runOf(runId);
      return run.status === 'paused' ? run : undefined;
    });
    expect(paused.pausedFor).toBe('budget');
    expect(paused.budgetWait).toMatchObject({ approvalId: `${runId}:run-budget:1`, stepId: 'three', scope: 'run' });
    expect(paused.budgetWait!.spentUsd).toBeCloseTo(0.02);
    expect(paused.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'pending']);

    const approvals = (await (await api('/approvals?status=pending')).json()) as { id: string; kind: string }[];
    expect(approvals.find((a) => a.id === `${runId}:run-budget:1`)).toMatchObject({ kind: 'budget' });

    const recorded = await eventually(async () => {
      const list = (await (await api(`/runs/${runId}/messages`)).json()) as RecordedMessage[];
      return list.find((m) => m.direction === 'outbound' && m.to === 'owner@example.com');
    });
    const mail = await PostalMime.parse(recorded.raw);
    expect(mail.subject).toBe('Budget approval needed: budget-pause');
    expect(mail.text).toContain('$0.0200');
    expect(mail.text).toContain('Step three waits');

    const reply = rawEmail(
      {
        From: 'Owner <owner@example.com>',
        To: recorded.from,
        Subject: `Re: ${mail.subject}`,
        'Message-ID': `<budget-reply-${runId}@example.com>`,
        'In-Reply-To': mail.messageId!,
        References: mail.messageId!,
        'Content-Type': 'text/plain; charset=utf-8',
      },
      'approve\nfine, go on',
    );
    expect(await receive(reply, { from: 'owner@example.com', to: recorded.from })).toMatchObject({
      status: 'accepted',
      runId,
    });
    const run = await waitForRun(runId);
    expect(run.status).toBe('completed');
    expect(run.usage?.costUsd).toBeCloseTo(0.03);
    const closed = (await (await api(`/approvals/${encodeURIComponent(`${runId}:run-budget:1`)}`)).json()) as {
      status: string;
      decidedBy: string;
    };
    expect(closed).toMatchObject({ status: 'approved', decidedBy: 'owner@example.com' });

    const wf = (await (await api('/workflows/budget-pause')).json()) as { usage: { runs: number; costUsd: number } };
    await eventually(async () => {
      const w = (await (await api('/workflows/budget-pause')).json()) as typeof wf;
      return Math.abs(w.usage.costUsd - 0.03) < 1e-9 ? w : undefined;
    });
    expect(wf.usage.runs).toBe(1);
  });

  it('reject through the API fails the run with budget_exceeded', async () => {
    await putWorkflow('budget-reject', THREE('budget-reject', '{ usd: 0.025 }'));
    const runId = await startRun('budget-reject');
    await eventually(async () => ((await runOf(runId)).status === 'paused' ? true : undefined));
    const res = await api(`/approvals/${encodeURIComponent(`${runId}:run-budget:1`)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'reject', comment: 'too much' }),
    });
    expect(res.status).toBe(200);
    const run = await waitForRun(runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'budget_exceeded' });
    expect(run.error!.message).toContain('rejected by api: too much');
  });

  it('on_exceed: fail fails it with budget_exceeded before the third step', async () => {
    await putWorkflow('budget-fail', THREE('budget-fail', '{ usd: 0.025, on_exceed: fail }'));
    const run = await waitForRun(await startRun('budget-fail'));
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'budget_exceeded' });
    expect(run.error!.message).toContain('spent $0.0200 of its budget of $0.0250');
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'cancelled']);
  });
});

describe('cost from the registry pricing', () => {
  it("an agent's pricing sets each attempt's cost, over what it reports, and counts against the budget", async () => {
    await putAgent('priced', { ...httpAgent('cost/0.5'), pricing: { per_call: 0.01, input_per_mtok: 0 } });
    const yaml = THREE('budget-priced', '{ usd: 0.025, on_exceed: fail }').replaceAll('agent: penny', 'agent: priced');
    await putWorkflow('budget-priced', yaml);
    const run = await waitForRun(await startRun('budget-priced'));
    expect(run.error).toMatchObject({ code: 'budget_exceeded' });
    expect(run.usage?.costUsd).toBeCloseTo(0.02);
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'cancelled']);
  });
});

describe('budget per UTC day', () => {
  it("counts the workflow's other runs today: the second run stops once the day's spend passes the budget", async () => {
    const yaml = `name: budget-day
budget: { usd_per_day: 0.025, on_exceed: fail }
steps:
  - { id: one, agent: penny, input: "1" }
  - { id: two, agent: penny, input: "2" }
`;
    await putWorkflow('budget-day', yaml);
    const first = await waitForRun(await startRun('budget-day'));
    expect(first.status).toBe('completed');
    // The first run's attempts reach D1 (the mirror) before the second run reads the day's spend.
    await eventually(async () => {
      const w = (await (await api('/workflows/budget-day')).json()) as { usage: { costUsd: number } };
      return Math.abs(w.usage.costUsd - 0.02) < 1e-9 ? w : undefined;
    });
    const second = await waitForRun(await startRun('budget-day'));
    expect(second.status).toBe('failed');
    expect(second.error).toMatchObject({ code: 'budget_exceeded' });
    expect(second.error!.message).toContain('today (UTC) of its daily budget of $0.0250');
    expect(second.steps.map((s) => s.status)).toEqual(['succeeded', 'cancelled']);
  });
});

describe('a sub-workflow spends for its parent', () => {
  it("the child's cost is the parent step's: it counts in the parent's usage and budget", async () => {
    await putWorkflow(
      'penny-child',
      'name: penny-child\nsteps:\n  - { id: a, agent: penny, input: "c" }\n  - { id: b, agent: penny, input: "d" }\n',
    );
    await putWorkflow(
      'penny-parent',
      `name: penny-parent
budget: { usd: 0.03, on_exceed: fail }
steps:
  - { id: first, workflow: penny-child }
  - { id: second, workflow: penny-child }
`,
    );
    const run = await waitForRun(await startRun('penny-parent'), 30_000);
    // The first child spent $0.02; the second would pass $0.03: it does not start.
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'budget_exceeded' });
    expect(run.steps.find((s) => s.id === 'first')!.usage?.costUsd).toBeCloseTo(0.02, 6);
    expect(run.usage?.costUsd).toBeCloseTo(0.02, 6);
    expect(run.steps.find((s) => s.id === 'second')!.status).not.toBe('succeeded');
  }, 40_000);
});
