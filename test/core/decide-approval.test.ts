import { describe, expect, it } from 'vitest';
import { parseDefinitionText, validateDefinition } from '../../src/core/definition';
import type { Command, RunEvent } from '../../src/core/engine';
import { stateOf } from '../support/definitions';
import { dispatched, ok, play, status } from '../support/play';

const REVIEW = `name: review
steps:
  - { id: draft, agent: x, input: "draft {{ review.comment ? review.comment : 'first' }}" }
  - id: review
    approval:
      assignees: [lead@example.com, cto@example.com]
      message: "Send this? {{ draft.output }}"
      deadline: 24h
      on_request_changes: draft
  - { id: send, agent: x, input: "{{ draft.output }}" }
`;
const decided = (decision: string, by: string, attempt = 1, comment?: string): RunEvent =>
  ({ type: 'ApprovalDecided', stepId: 'review', attempt, decision, by, comment }) as RunEvent;
const requests = (commands: Command[]) => commands.filter((c) => c.type === 'RequestApproval');
const closes = (commands: Command[]) => commands.filter((c) => c.type === 'CloseApproval');

describe('approval steps', () => {
  it('wait with a rendered message, the options, the deadline timer; approve completes the step and the run goes on', async () => {
    const { state, commands } = await play(stateOf(REVIEW), [
      { type: 'RunStarted' },
      ok('draft', 'D1'),
      decided('approve', 'Lead@Example.com', 1, 'ship it'),
      ok('send'),
    ]);
    expect(requests(commands[1]!)).toEqual([
      {
        type: 'RequestApproval',
        approval: expect.objectContaining({
          id: `${state.runId}:review:1`,
          round: 1,
          message: 'Send this? D1',
          assignees: ['lead@example.com', 'cto@example.com'],
          options: ['approve', 'reject', 'request_changes'],
          quorum: 1,
        }),
      },
    ]);
    expect(commands[1]!.some((c) => c.type === 'SetTimer' && c.timer.kind === 'approval_deadline')).toBe(true);
    expect(state.steps.review).toMatchObject({
      status: 'succeeded',
      output: { decision: 'approve', comment: 'ship it', decidedBy: 'lead@example.com' },
    });
    expect(closes(commands[2]!)).toEqual([
      expect.objectContaining({ status: 'approved', decidedBy: 'lead@example.com' }),
    ]);
    expect(dispatched(commands[2]!)).toEqual(['send']);
    expect(state.status).toBe('completed');
  });

  it('the run is waiting while the approval is; people who are not assignees, stale rounds and repeated votes decide nothing', async () => {
    const { state, commands } = await play(stateOf(REVIEW), [
      { type: 'RunStarted' },
      ok('draft'),
      decided('approve', 'mallory@example.com'),
      decided('approve', 'lead@example.com', 7),
    ]);
    expect(state.status).toBe('waiting');
    expect(state.steps.review!.status).toBe('waiting');
    expect(commands.slice(2)).toEqual([[], []]);
  });

  it('reject fails the step with `rejected`; the run fails', async () => {
    const { state } = await play(stateOf(REVIEW), [
      { type: 'RunStarted' },
      ok('draft'),
      decided('reject', 'cto@example.com', 1, 'no'),
    ]);
    expect(state.steps.review).toMatchObject({
      status: 'failed',
      error: { code: 'rejected', message: 'rejected by cto@example.com: no' },
      output: { decision: 'reject' },
    });
    expect(state).toMatchObject({ status: 'failed', error: { code: 'rejected', stepId: 'review' } });
  });

  it('request_changes runs the named step again with the comment, then asks again (round 2)', async () => {
    const { state, commands } = await play(stateOf(REVIEW), [
      { type: 'RunStarted' },
      ok('draft', 'D1'),
      decided('request_changes', 'lead@example.com', 1, 'shorter'),
      ok('draft', 'D2', 2),
      decided('approve', 'lead@example.com', 2),
    ]);
    expect(dispatched(commands[2]!)).toEqual(['draft']);
    expect(closes(commands[2]!)).toEqual([
      expect.objectContaining({ status: 'changes_requested', comment: 'shorter' }),
    ]);
    expect(state.steps.draft!.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(requests(commands[3]!)[0]).toMatchObject({ approval: { round: 2, message: 'Send this? D2' } });
    expect(state.steps.review!.attempts.map((a) => a.status)).toEqual(['succeeded', 'succeeded']);
    expect(status(state)).toMatchObject({ draft: 'succeeded', review: 'succeeded', send: 'running' });
  });

  it('the comment reaches the step run again', async () => {
    const { state } = await play(stateOf(REVIEW), [
      { type: 'RunStarted' },
      ok('draft', 'D1'),
      decided('request_changes', 'lead@example.com', 1, 'shorter'),
    ]);
    expect(state.steps.draft!.input).toBe('draft shorter');
  });

  it("{{ review.comment }} after the final decision is that decision's comment, not an earlier request_changes one", async () => {
    const yaml = REVIEW.replace(
      'input: "{{ draft.output }}" }',
      'input: "{{ draft.output }} [{{ review.comment }}]" }',
    );
    const events = (comment?: string) =>
      [
        { type: 'RunStarted' },
        ok('draft', 'D1'),
        decided('request_changes', 'lead@example.com', 1, 'shorter'),
        ok('draft', 'D2', 2),
        decided('approve', 'lead@example.com', 2, comment),
      ] as RunEvent[];
    const commented = await play(stateOf(yaml), events('ship it'));
    expect(commented.state.steps.send!.input).toBe('D2 [ship it]');
    const silent = await play(stateOf(yaml), events());
    expect(silent.state.steps.send!.input).toBe('D2 []');
    const once = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('draft', 'D1'),
      decided('approve', 'cto@example.com', 1, 'fine'),
    ]);
    expect(once.state.steps.send!.input).toBe('D1 [fine]');
  });

  it('quorum: N assignees must approve; a reject by any rejects', async () => {
    const yaml = REVIEW.replace('deadline: 24h', 'deadline: 24h\n      quorum: 2');
    const partial = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('draft'),
      decided('approve', 'lead@example.com'),
      decided('approve', 'lead@example.com'),
    ]);
    expect(partial.state.steps.review).toMatchObject({
      status: 'waiting',
      votes: [expect.objectContaining({ by: 'lead@example.com' })],
    });
    const both = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('draft'),
      decided('approve', 'lead@example.com'),
      decided('approve', 'cto@example.com'),
    ]);
    expect(both.state.steps.review).toMatchObject({ status: 'succeeded', output: { decidedBy: 'cto@example.com' } });
    const veto = await play(stateOf(yaml), [
      { type: 'RunStarted' },
      ok('draft'),
      decided('approve', 'lead@example.com'),
      decided('reject', 'cto@example.com'),
    ]);
    expect(veto.state.steps.review!.status).toBe('failed');
  });

  it('the deadline takes on_timeout, decided by `timeout`; an API decision is final', async () => {
    const timerOf = (commands: Command[]) =>
      commands.find((c) => c.type === 'SetTimer' && c.timer.kind === 'approval_deadline') as Extract<
        Command,
        { type: 'SetTimer' }
      >;
    const started = await play(stateOf(REVIEW.replace('deadline: 24h', 'deadline: 1h\n      on_timeout: approve')), [
      { type: 'RunStarted' },
      ok('draft'),
    ]);
    const timed = await play(started.state, [{ type: 'TimerFired', timer: timerOf(started.commands[1]!).timer }]);
    expect(timed.state.steps.review).toMatchObject({
      status: 'succeeded',
      output: { decision: 'approve', decidedBy: 'timeout' },
    });
    const api = await play(stateOf(REVIEW.replace('deadline: 24h', 'deadline: 24h\n      quorum: 2')), [
      { type: 'RunStarted' },
      ok('draft'),
      decided('approve', 'api'),
    ]);
    expect(api.state.steps.review).toMatchObject({ status: 'succeeded', output: { decidedBy: 'api' } });
  });

  it('cancelling the run closes the pending approval', async () => {
    const { state, commands } = await play(stateOf(REVIEW), [
      { type: 'RunStarted' },
      ok('draft'),
      { type: 'CancelRequested' },
    ]);
    expect(state.status).toBe('cancelled');
    expect(closes(commands[2]!)).toEqual([
      expect.objectContaining({ status: 'cancelled', approvalId: `${state.runId}:review:1` }),
    ]);
  });
});

describe('approval definitions', () => {
  const issues = (yaml: string) => {
    const parsed = parseDefinitionText(yaml);
    if ('issues' in parsed) throw new Error('bad YAML');
    const result = validateDefinition(parsed.value);
    return result.ok ? [] : result.issues;
  };
  it('refuse a quorum above the assignees, request_changes without a target, and a target that does not run before', () => {
    expect(issues(REVIEW.replace('deadline: 24h', 'quorum: 3'))).toEqual([
      { path: 'steps[1].approval.quorum', message: 'quorum 3 is more than the 2 assignee(s)' },
    ]);
    expect(issues(REVIEW.replace('on_request_changes: draft', 'options: [approve, request_changes]'))).toEqual([
      {
        path: 'steps[1].approval.options',
        message: 'request_changes needs on_request_changes: the id of the step to run again',
      },
    ]);
    expect(issues(REVIEW.replace('on_request_changes: draft', 'on_request_changes: send'))[0]).toMatchObject({
      path: 'steps[1].approval.on_request_changes',
      message: "'send' must run before 'review'",
    });
    expect(issues(REVIEW.replace('[lead@example.com, cto@example.com]', '[lead]'))[0]).toMatchObject({
      path: 'steps[1].approval.assignees[0]',
    });
  });

  it('lets the re-run step read the comment, and no other step before the approval', () => {
    expect(issues(REVIEW)).toEqual([]);
    const early =
      'name: r\nsteps:\n  - { id: a, agent: x, input: "{{ review.comment }}" }\n  - { id: b, agent: x }\n  - id: review\n    approval: { assignees: [l@example.com], message: m, on_request_changes: b }\n';
    expect(issues(early)[0]).toMatchObject({ path: 'steps[0].input' });
  });
});
