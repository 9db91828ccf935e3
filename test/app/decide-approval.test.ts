import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../src/app/decide-approval';
import { memoryHost, type MemoryHost } from './memory-ports';

function host(): MemoryHost {
  const h = memoryHost();
  h.approvals.push({
    id: 'run_a:review:1',
    runId: 'run_a',
    stepId: 'review',
    round: 1,
    workflowName: 'pr',
    options: ['approve', 'reject'],
    assignees: ['Ann@example.com', 'bob@example.com'],
    status: 'pending',
  });
  return h;
}

describe('decideApproval (use case on in-memory ports)', () => {
  it("an assignee's vote goes to the run and into the audit log", async () => {
    const h = host();
    h.voteAnswer = { counted: true, stepStatus: 'waiting' };
    const result = await decideApproval(h.ports, 't1', {
      id: 'run_a:review:1',
      decision: 'approve',
      comment: '  fine  ',
      by: 'ANN@example.com',
      channel: 'link',
    });
    expect(result.stepStatus).toBe('waiting');
    expect(h.votes).toEqual([
      {
        runId: 'run_a',
        vote: { stepId: 'review', round: 1, decision: 'approve', comment: 'fine', by: 'ann@example.com' },
      },
    ]);
    expect(h.auditLog).toEqual([
      {
        tenantId: 't1',
        actor: 'link:ann@example.com',
        action: 'approval.approve',
        subject: 'run_a:review:1',
        details: { comment: '  fine  ', stepStatus: 'waiting' },
      },
    ]);
  });

  it('refuses an unknown id, a decision that is no option, a non-assignee and a closed round; none reaches the run', async () => {
    const h = host();
    const decide = (d: Partial<Parameters<typeof decideApproval>[2]>) =>
      decideApproval(h.ports, 't1', {
        id: 'run_a:review:1',
        decision: 'approve',
        by: 'bob@example.com',
        channel: 'email',
        ...d,
      });
    await expect(decide({ id: 'run_x:review:1' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(decide({ decision: 'request_changes' })).rejects.toMatchObject({
      code: 'bad_request',
      message: "'request_changes' is not an option of this approval; options: approve, reject",
    });
    await expect(decide({ by: 'eve@example.com' })).rejects.toMatchObject({
      code: 'conflict',
      message: 'eve@example.com is not an assignee of this approval',
    });
    h.approvals[0]!.status = 'approved';
    await expect(decide({})).rejects.toMatchObject({
      code: 'conflict',
      message: 'approval run_a:review:1 is already approved',
    });
    expect(h.votes).toHaveLength(0);
    expect(h.auditLog).toHaveLength(0);
  });

  it('a vote the run does not count (decided already) is a conflict and is not audited; an admin decision needs no assignee', async () => {
    const h = host();
    h.voteAnswer = { counted: false, stepStatus: 'waiting' };
    await expect(
      decideApproval(h.ports, 't1', {
        id: 'run_a:review:1',
        decision: 'reject',
        by: 'bob@example.com',
        channel: 'email',
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(h.auditLog).toHaveLength(0);
    h.voteAnswer = { counted: true, stepStatus: 'failed' };
    expect(
      (await decideApproval(h.ports, 't1', { id: 'run_a:review:1', decision: 'reject', by: 'api', channel: 'api' }))
        .stepStatus,
    ).toBe('failed');
    expect(h.auditLog[0]).toMatchObject({ actor: 'api', action: 'approval.reject' });
  });
});

describe('decideApproval of a budget approval', () => {
  it('tells the run it is the budget approval (kind budget)', async () => {
    const h = memoryHost();
    h.approvals.push({
      id: 'run_b:run-budget:1',
      runId: 'run_b',
      stepId: 'three',
      round: 1,
      workflowName: 'pr',
      options: ['approve', 'reject'],
      assignees: ['owner@example.com'],
      status: 'pending',
      kind: 'budget',
    });
    h.voteAnswer = { counted: true, stepStatus: 'running' };
    await decideApproval(h.ports, 't1', {
      id: 'run_b:run-budget:1',
      decision: 'approve',
      by: 'owner@example.com',
      channel: 'email',
    });
    expect(h.votes).toEqual([
      {
        runId: 'run_b',
        vote: { stepId: 'three', round: 1, decision: 'approve', by: 'owner@example.com', budget: true },
      },
    ]);
  });
});
