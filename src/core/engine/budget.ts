import type { StepError } from '../../schemas/errors';
import type { Decision as Choice } from '../../schemas/steps';
import { failRun } from './failure';
import { isRunTerminal, nodeOf } from './instances';
import { loopUsage } from './loop-state';
import type { BudgetAsk, BudgetState, Clock, Command, RunEvent, RunState, Usage } from './types';

/**
 * Budgets (issue 17, "Cost and budgets"): before a leaf step (agent, http, mcp, workflow) starts,
 * the run's spend is checked against the definition's `budget.usd` (per run) and `usd_per_day`
 * (all the workflow's runs per UTC day). A step stops when the spend so far is at the limit, or
 * when the spend plus the step's expected cost would pass it. The expected cost is the mean cost
 * of the run's attempts that reported one, times the leaf attempts in flight plus this one; a
 * run with no cost yet expects 0. Retries of a started step, and an agent loop's further turns,
 * are not checked: a step that started finishes.
 *
 * Over the limit, `on_exceed: fail` (or `pause` without `owners`) fails the run with
 * `budget_exceeded`; `pause` pauses it (status `paused`) and asks the owners for a budget approval
 * `<runId>:run-budget:<n>` (quorum 1, no deadline). Approving grants one more budget of that scope
 * (for the run: its limit becomes `usd × (1 + approvals)`; for the day: the same, this run, that
 * UTC day) and the run goes on; rejecting fails it with `budget_exceeded`. `POST /api/runs/:id/resume`
 * on a budget pause counts as an approval by `api`.
 */

/** Below this, two amounts in USD are the same (sums of binary fractions are not exact). */
const EPSILON_USD = 1e-9;

const CHECKED_KINDS = new Set(['agent', 'http', 'mcp', 'workflow']);

/** The UTC day of an instant, `YYYY-MM-DD`. @param ms epoch ms */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** What a run spent (attempts dispatched at or after `since`, epoch ms), and what its next step is expected to cost, USD. */
/** A recorded cost, USD, when it is a finite number ≥ 0 (anything else is not counted, and cannot lower a spend). */
function costOf(usage: Usage | undefined): number | undefined {
  const cost = usage?.costUsd;
  return typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

function spendOf(state: RunState, since = Number.NEGATIVE_INFINITY): { spent: number; expected: number } {
  let spent = 0;
  let costed = 0;
  let inFlight = 0;
  for (const key in state.steps) {
    const step = state.steps[key]!;
    const leaf = CHECKED_KINDS.has(nodeOf(state, key).kind);
    for (const attempt of step.attempts) {
      const usage = attempt.status === 'running' && attempt.loop ? loopUsage(attempt.loop) : attempt.usage;
      const cost = costOf(usage);
      if (cost !== undefined && attempt.dispatchedAt >= since) spent += cost;
      if (cost !== undefined && attempt.status !== 'running') costed += 1;
      if (leaf && attempt.status === 'running' && step.status === 'running' && !usage) inFlight += 1;
    }
  }
  const mean = costed ? totalCost(state) / costed : 0;
  return { spent, expected: mean * (1 + inFlight) };
}

/** The cost of every finished attempt that reported one, USD. */
function totalCost(state: RunState): number {
  let sum = 0;
  for (const key in state.steps)
    for (const a of state.steps[key]!.attempts) if (a.status !== 'running') sum += costOf(a.usage) ?? 0;
  return sum;
}

function over(spent: number, expected: number, limit: number): boolean {
  return spent >= limit - EPSILON_USD || spent + expected > limit + EPSILON_USD;
}

/** The first limit of the run's budget that the next step would pass, or null. */
export function budgetCheck(state: RunState, now: number): BudgetAsk | null {
  const budget = state.definition.budget;
  if (!budget) return null;
  const own: BudgetState = state.budget ?? {};
  if (budget.usd !== undefined) {
    const { spent, expected } = spendOf(state);
    const limitUsd = budget.usd * (1 + (own.runGrants ?? 0));
    if (over(spent, expected, limitUsd)) return { scope: 'run', spentUsd: spent, limitUsd };
  }
  if (budget.usd_per_day !== undefined) {
    const day = utcDay(now);
    const { spent, expected } = spendOf(state, Date.parse(`${day}T00:00:00Z`));
    const others = own.others?.day === day ? own.others.usd : 0;
    const grants = own.dayGrants?.day === day ? own.dayGrants.grants : 0;
    const limitUsd = budget.usd_per_day * (1 + grants);
    if (over(spent + others, expected, limitUsd)) return { scope: 'day', spentUsd: spent + others, limitUsd };
  }
  return null;
}

/** An amount in USD as messages write it: four decimals, as model calls cost fractions of a cent. */
export const usd = (n: number) => `$${n.toFixed(4)}`;

function describe(ask: BudgetAsk, state: RunState): string {
  return ask.scope === 'run'
    ? `the run spent ${usd(ask.spentUsd)} of its budget of ${usd(ask.limitUsd)}`
    : `the workflow ${state.workflow} spent ${usd(ask.spentUsd)} today (UTC) of its daily budget of ${usd(ask.limitUsd)}`;
}

/**
 * Checks the budget before the leaf step instance `key` starts. Over a limit, the run fails with
 * `budget_exceeded` or pauses with a budget approval (see the file's comment).
 * @returns true when the step must not start now.
 */
export function budgetStops(state: RunState, key: string, clock: Clock, commands: Command[]): boolean {
  if (!CHECKED_KINDS.has(nodeOf(state, key).kind)) return false;
  const ask = budgetCheck(state, clock.now);
  if (!ask) return false;
  const budget = state.definition.budget!;
  const owners = state.definition.owners ?? [];
  if (budget.on_exceed === 'fail' || owners.length === 0) {
    const why =
      budget.on_exceed === 'fail' ? '' : ' (on_exceed: pause asks the workflow owners, and the workflow has none)';
    const error: StepError = {
      code: 'budget_exceeded',
      message: `${describe(ask, state)}; step ${key} would go past it${why}`,
      retryable: false,
      stepId: key,
    };
    failRun(state, error, clock, commands);
    return true;
  }
  const round = (state.budget?.asked ?? 0) + 1;
  const approvalId = `${state.runId}:run-budget:${round}`;
  state.budget = { ...state.budget, asked: round, waiting: { ...ask, approvalId, stepId: key, round } };
  state.status = 'paused';
  commands.push({
    type: 'RequestApproval',
    approval: {
      id: approvalId,
      stepId: key,
      round,
      message: `Budget reached: ${describe(ask, state)}. Step ${key} waits. Approve to allow one more budget (${usd(ask.scope === 'run' ? budget.usd! : budget.usd_per_day!)}), reject to fail the run.`,
      assignees: owners,
      options: ['approve', 'reject'],
      quorum: 1,
      deadlineAt: null,
      budget: ask,
    },
  });
  return true;
}

/** Closes the pending budget approval as decided and grants one more budget. The run stays as it is. */
function grant(state: RunState, by: string, comment: string | undefined, now: number, commands: Command[]): void {
  const wait = state.budget!.waiting!;
  commands.push({
    type: 'CloseApproval',
    approvalId: wait.approvalId,
    stepId: wait.stepId,
    status: 'approved',
    decidedBy: by,
    ...(comment ? { comment } : {}),
  });
  const { waiting: _done, ...rest } = state.budget!;
  const day = utcDay(now);
  const dayGrants = rest.dayGrants?.day === day ? rest.dayGrants.grants : 0;
  state.budget =
    wait.scope === 'run'
      ? { ...rest, runGrants: (rest.runGrants ?? 0) + 1 }
      : { ...rest, dayGrants: { day, grants: dayGrants + 1 } };
}

type Decided = Extract<RunEvent, { type: 'ApprovalDecided' }>;

/**
 * A decision on the pending budget approval, by an owner, `api` or a link holder: `approve`
 * grants one more budget and the run goes on (the caller advances it); `reject` fails the run
 * with `budget_exceeded`.
 * @returns true when the decision counted.
 */
export function budgetDecided(state: RunState, event: Decided, clock: Clock, commands: Command[]): boolean {
  const wait = state.budget?.waiting;
  if (!wait || state.status !== 'paused' || event.stepId !== wait.stepId || event.attempt !== wait.round) return false;
  const by = event.by.toLowerCase();
  const owners = (state.definition.owners ?? []).map((o) => o.toLowerCase());
  const choices: Choice[] = ['approve', 'reject'];
  if ((by !== 'api' && !owners.includes(by)) || !choices.includes(event.decision)) return false;
  if (event.decision === 'approve') {
    grant(state, by, event.comment, clock.now, commands);
    state.status = 'running';
    return true;
  }
  commands.push({
    type: 'CloseApproval',
    approvalId: wait.approvalId,
    stepId: wait.stepId,
    status: 'rejected',
    decidedBy: by,
    ...(event.comment ? { comment: event.comment } : {}),
  });
  const { waiting: _done, ...rest } = state.budget!;
  state.budget = rest;
  state.status = 'running';
  const error: StepError = {
    code: 'budget_exceeded',
    message: `${describe(wait, state)}; going on was rejected by ${by}${event.comment ? `: ${event.comment}` : ''}`,
    retryable: false,
    stepId: wait.stepId,
  };
  failRun(state, error, clock, commands);
  return true;
}

/** `ResumeRequested` on a budget pause: counts as an approval by `api` (the run is then resumed as usual). */
export function resumeBudget(state: RunState, clock: Clock, commands: Command[]): void {
  if (state.budget?.waiting && state.status === 'paused')
    grant(state, 'api', 'resumed through the API', clock.now, commands);
}

/** `BudgetSpendRead`: records the host's reading of the other runs' spend on the day. */
export function spendRead(state: RunState, event: Extract<RunEvent, { type: 'BudgetSpendRead' }>): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(event.day) || !Number.isFinite(event.othersUsd) || event.othersUsd < 0) return;
  state.budget = { ...state.budget, others: { day: event.day, usd: event.othersUsd } };
}

/** After a decision: a run that ended while paused for its budget closes the budget approval (cancelled). */
export function settleBudget(state: RunState, commands: Command[]): void {
  const wait = state.budget?.waiting;
  if (!wait || !isRunTerminal(state)) return;
  commands.push({ type: 'CloseApproval', approvalId: wait.approvalId, stepId: wait.stepId, status: 'cancelled' });
  const { waiting: _done, ...rest } = state.budget!;
  state.budget = rest;
}
