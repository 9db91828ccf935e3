import { describe, expect, it } from 'vitest';
import type { Command, RunEvent } from '../../src/core/engine';
import { stateOf } from '../support/definitions';
import { dispatched, play, status } from '../support/play';

/** Three agent steps; each attempt reports $0.01. */
const chain = (budget: string, owners = 'owners: [boss@example.com]\n') =>
  `name: b\n${owners}budget: ${budget}\nsteps:\n  - { id: a, agent: x }\n  - { id: b, agent: x }\n  - { id: c, agent: x }\n`;
const cost = (stepId: string, usd = 0.01, attempt = 1): RunEvent => ({
  type: 'StepSucceeded',
  stepId,
  attempt,
  output: stepId,
  usage: { costUsd: usd },
});
const decided = (decision: 'approve' | 'reject', by = 'boss@example.com', round = 1): RunEvent => ({
  type: 'ApprovalDecided',
  stepId: 'c',
  attempt: round,
  decision,
  by,
  budget: true,
});
const of = <T extends Command['type']>(commands: Command[], type: T) =>
  commands.filter((c): c is Extract<Command, { type: T }> => c.type === type);
const start: RunEvent = { type: 'RunStarted' };

describe('budget per run', () => {
  it('pauses before the step that would pass the budget and asks the owners', async () => {
    const { state, commands } = await play(stateOf(chain('{ usd: 0.025 }')), [start, cost('a'), cost('b')]);
    expect(dispatched(commands[1]!)).toEqual(['b']);
    expect(dispatched(commands[2]!)).toEqual([]);
    expect(state.status).toBe('paused');
    expect(status(state)).toMatchObject({ a: 'succeeded', b: 'succeeded', c: 'pending' });
    const [ask] = of(commands[2]!, 'RequestApproval');
    expect(ask!.approval).toMatchObject({
      id: 'run_1:run-budget:1',
      stepId: 'c',
      round: 1,
      assignees: ['boss@example.com'],
      options: ['approve', 'reject'],
      quorum: 1,
      budget: { scope: 'run', limitUsd: 0.025 },
    });
    expect(ask!.approval.budget!.spentUsd).toBeCloseTo(0.02);
    expect(ask!.approval.message).toContain('$0.0200');
    expect(ask!.approval.message).toContain('Step c waits');
    expect(state.budget?.waiting).toMatchObject({ stepId: 'c', scope: 'run' });
  });

  it('approve by an owner lets the run go on until one more budget is spent', async () => {
    const { state, commands } = await play(stateOf(chain('{ usd: 0.025 }')), [
      start,
      cost('a'),
      cost('b'),
      decided('approve', 'Boss@Example.com'),
      cost('c'),
    ]);
    expect(dispatched(commands[3]!)).toEqual(['c']);
    expect(of(commands[3]!, 'CloseApproval')).toEqual([
      {
        type: 'CloseApproval',
        approvalId: 'run_1:run-budget:1',
        stepId: 'c',
        status: 'approved',
        decidedBy: 'boss@example.com',
      },
    ]);
    expect(state.status).toBe('completed');
    expect(state.budget).toMatchObject({ runGrants: 1, asked: 1 });
    expect(state.budget?.waiting).toBeUndefined();
  });

  it('reject fails the run with budget_exceeded', async () => {
    const { state, commands } = await play(stateOf(chain('{ usd: 0.025 }')), [
      start,
      cost('a'),
      cost('b'),
      decided('reject'),
    ]);
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'budget_exceeded', stepId: 'c' });
    expect(state.error!.message).toContain('rejected by boss@example.com');
    expect(of(commands[3]!, 'CloseApproval')[0]).toMatchObject({ status: 'rejected' });
  });

  it('a decision by someone who is not an owner, or on another round, does not count', async () => {
    const { state, last } = await play(stateOf(chain('{ usd: 0.025 }')), [
      start,
      cost('a'),
      cost('b'),
      decided('approve', 'eve@example.com'),
      decided('approve', 'boss@example.com', 2),
    ]);
    expect(state.status).toBe('paused');
    expect(last).toEqual([]);
  });

  it('resume through the API counts as an approval', async () => {
    const { state, commands } = await play(stateOf(chain('{ usd: 0.025 }')), [
      start,
      cost('a'),
      cost('b'),
      { type: 'ResumeRequested' },
    ]);
    expect(dispatched(commands[3]!)).toEqual(['c']);
    expect(of(commands[3]!, 'CloseApproval')[0]).toMatchObject({ status: 'approved', decidedBy: 'api' });
    expect(state.status).toBe('running');
  });

  it('on_exceed: fail fails the run with budget_exceeded, naming spend and budget', async () => {
    const { state, commands } = await play(stateOf(chain('{ usd: 0.025, on_exceed: fail }')), [
      start,
      cost('a'),
      cost('b'),
    ]);
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'budget_exceeded', stepId: 'c' });
    expect(state.error!.message).toContain('spent $0.0200 of its budget of $0.0250');
    expect(of(commands[2]!, 'RequestApproval')).toEqual([]);
    expect(status(state).c).toBe('cancelled');
  });

  it('without owners, pause behaves as fail and says so', async () => {
    const { state } = await play(stateOf(chain('{ usd: 0.025 }', '')), [start, cost('a'), cost('b')]);
    expect(state.status).toBe('failed');
    expect(state.error!.code).toBe('budget_exceeded');
    expect(state.error!.message).toContain('has none');
  });

  it('retries of a started step are not checked again', async () => {
    const yaml = chain('{ usd: 0.015 }').replace(
      '{ id: b, agent: x }',
      '{ id: b, agent: x, retry: { max_attempts: 2, backoff: none } }',
    );
    const failed: RunEvent = {
      type: 'StepFailed',
      stepId: 'b',
      attempt: 1,
      error: { code: 'agent_error', message: 'busy', retryable: true },
      usage: { costUsd: 0.01 },
    };
    const s0 = stateOf(yaml);
    const first = await play(s0, [start, cost('a', 0.005), failed]);
    expect(first.state.status).toBe('running');
    const timer = of(first.commands[2]!, 'SetTimer').find((c) => c.timer.kind === 'retry')!.timer;
    const { state, last } = await play(first.state, [{ type: 'TimerFired', timer }]);
    expect(dispatched(last)).toEqual(['b']);
    expect(state.status).toBe('running');
  });

  it('a run that ends while paused for its budget cancels the budget approval', async () => {
    const { state, last } = await play(stateOf(chain('{ usd: 0.025 }')), [
      start,
      cost('a'),
      cost('b'),
      { type: 'CancelRequested' },
    ]);
    expect(state.status).toBe('cancelled');
    expect(of(last, 'CloseApproval')).toEqual([
      { type: 'CloseApproval', approvalId: 'run_1:run-budget:1', stepId: 'c', status: 'cancelled' },
    ]);
  });
});

describe('budget per UTC day', () => {
  const day = Date.parse('2026-12-01T10:00:00Z');
  it("counts the other runs' spend the host read for the day", async () => {
    const yaml = chain('{ usd_per_day: 0.05 }');
    const read = (othersUsd: number, d = '2026-12-01'): RunEvent => ({ type: 'BudgetSpendRead', day: d, othersUsd });
    const { state, commands } = await play(stateOf(yaml), [read(0.035), start, cost('a')], day);
    expect(state.status).toBe('paused');
    expect(of(commands[2]!, 'RequestApproval')[0]!.approval.budget).toMatchObject({ scope: 'day', limitUsd: 0.05 });
    expect(of(commands[2]!, 'RequestApproval')[0]!.approval.budget!.spentUsd).toBeCloseTo(0.045);
    // Another day's reading does not count.
    const other = await play(stateOf(yaml), [read(0.035, '2026-11-30'), start, cost('a')], day);
    expect(other.state.status).toBe('running');
    expect(dispatched(other.last)).toEqual(['b']);
  });
});
