import { durationMs } from '../definition/duration';
import { evaluateCondition, ExpressionError } from '../expressions';
import { advance } from './advance';
import { approvalTimer, takeDecision } from './approval';
import { cancel, pause, restart, resume } from './control';
import { budgetDecided, resumeBudget, settleBudget, spendRead } from './budget';
import { attemptFailed, failRun, failStep } from './failure';
import { loopCurrent, toolApprovalDecided, toolCallEnded, turnEnded, unitStarted, unitTimer } from './agent-loop';
import { contextOf, isRunTerminal, nodeOf } from './instances';
import { dispatch, redispatch, succeed } from './leaf';
import { noteAgent } from './selection';
import { beginDecision, endDecision, own, ownedSteps } from './steps';
import { keepCounts } from './step-counts';
import { cancelTimer, setTimer } from './timers';
import { slotGranted, stepDeferred, waitsForSlot } from './slots';
import { unreachable } from '../unreachable';
import type { Clock, Command, Decision, RunEvent, RunState } from './types';

type Handler<E extends RunEvent> = (
  state: RunState,
  event: E,
  clock: Clock,
  commands: Command[],
) => Promise<void> | void;
type Handlers = { [K in RunEvent['type']]: Handler<Extract<RunEvent, { type: K }>> };

/**
 * The engine: given a run's state and one event, returns the next state and the commands to carry
 * out. Pure: no I/O; time and randomness come in `clock`; the input state is not modified.
 * Events for attempts the run no longer waits for (stale, duplicate, or after the run ended) change
 * nothing and produce no commands.
 */
export function decide(state: RunState, event: RunEvent, clock: Clock): Promise<Decision> {
  return decideAll(state, [event], clock);
}

/**
 * {@link decide} for events that arrived together (a batch of reports or claims): the same result
 * as deciding them one after the other, with the state copied once instead of once per event.
 * Events after the one that ends the run change nothing.
 * @param followUp names events that follow from the batch's commands (e.g. the dispatched attempts
 * a caller starts at once); they are decided on the same copy and their commands appended.
 */
export async function decideAll(
  state: RunState,
  events: readonly RunEvent[],
  clock: Clock,
  followUp?: (commands: readonly Command[]) => RunEvent[],
): Promise<Decision> {
  const revives = (e: RunEvent) => e.type === 'RestartRequested';
  if (isRunTerminal(state) && !events.some(revives)) return { state, commands: [] };
  const next = beginDecision(state);
  const commands: Command[] = [];
  const apply = async (list: readonly RunEvent[]) => {
    for (const event of list) {
      if (isRunTerminal(next) && !revives(event)) continue;
      const handler = handlers[event.type] as Handler<RunEvent>;
      await handler(next, event, clock, commands);
    }
  };
  await apply(events);
  if (followUp) await apply(followUp(commands));
  settleBudget(next, commands);
  keepCounts(next);
  endDecision(next);
  return { state: next, commands };
}

/**
 * Keys of the step instances a decision changed: of the ones it took over (`own`, `putStep`), those
 * that differ. Handlers change only their own copies and replace, never mutate, shared values, so
 * a shallow comparison is exact. A state no decision started is compared step by step.
 */
export function changedSteps(before: RunState, after: RunState): string[] {
  if (before === after) return [];
  return [...(ownedSteps(after) ?? Object.keys(after.steps))].filter((key) => {
    const a = before.steps[key];
    const b = after.steps[key]!;
    if (!a || !sameFields(a, b) || a.attempts.length !== b.attempts.length) return true;
    return a.attempts.some((attempt, i) => !sameFields(attempt, b.attempts[i]!));
  });
}

function sameFields(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => k === 'attempts' || x[k] === y[k]);
}

/** True when `attempt` of the step instance is the one in flight (an agent loop may be waiting on approvals). */
function isCurrent(state: RunState, key: string, attempt: number): boolean {
  return loopCurrent(state, key, attempt);
}

/**
 * True when `attempt` is in flight as one call (not an agent loop): a report of the attempt as a
 * whole, or its claim, means nothing once its first turn started a loop (the loop's units report).
 */
function plainCurrent(state: RunState, key: string, attempt: number): boolean {
  const step = state.steps[key];
  return isCurrent(state, key, attempt) && step?.status === 'running' && !step.attempts.at(-1)!.loop;
}

const handlers: Handlers = {
  RunStarted: async (state, _event, clock, commands) => {
    if (state.status !== 'queued') return;
    state.status = 'running';
    state.startedAt = clock.now;
    if (state.definition.timeout)
      setTimer(commands, 'run_timeout', '', 0, clock.now + durationMs(state.definition.timeout));
    await advance(state, clock, commands);
  },

  StepStarted: (state, event, clock, commands) => {
    if (event.unit) return void unitStarted(state, event, clock, commands);
    if (!plainCurrent(state, event.stepId, event.attempt)) return;
    cancelTimer(commands, 'unclaimed', event.stepId, event.attempt);
    const step = own(state, event.stepId);
    step.attempts.at(-1)!.startedAt ??= clock.now;
    step.startedAt ??= clock.now;
  },

  StepSucceeded: async (state, event, clock, commands) => {
    if (!plainCurrent(state, event.stepId, event.attempt)) return;
    noteAgent(state, event.stepId, event);
    const attempt = own(state, event.stepId).attempts.at(-1)!;
    Object.assign(attempt, { usage: event.usage, provider: event.provider });
    attempt.startedAt ??= clock.now;
    succeed(state, event.stepId, event.output, clock);
    cancelTimer(commands, 'step_timeout', event.stepId, event.attempt);
    cancelTimer(commands, 'unclaimed', event.stepId, event.attempt);
    await advance(state, clock, commands);
  },

  // A loop's step may end, or start or stop waiting on approvals: the run is advanced after each.
  TurnEnded: async (state, event, clock, commands) => {
    if (!isCurrent(state, event.stepId, event.attempt)) return;
    noteAgent(state, event.stepId, event);
    await turnEnded(state, event, clock, commands);
    await advance(state, clock, commands);
  },

  ToolCallEnded: async (state, event, clock, commands) => {
    if (!isCurrent(state, event.stepId, event.attempt)) return;
    toolCallEnded(state, event, clock, commands);
    await advance(state, clock, commands);
  },

  StepFailed: async (state, event, clock, commands) => {
    if (!plainCurrent(state, event.stepId, event.attempt)) return;
    noteAgent(state, event.stepId, event);
    Object.assign(own(state, event.stepId).attempts.at(-1)!, { usage: event.usage, provider: event.provider });
    cancelTimer(commands, 'step_timeout', event.stepId, event.attempt);
    cancelTimer(commands, 'unclaimed', event.stepId, event.attempt);
    attemptFailed(state, event.stepId, event.error, clock, commands);
    await advance(state, clock, commands);
  },

  // An attempt waiting for its agent's slot (max_concurrency), and the slot becoming its.
  StepDeferred: async (state, event, clock, commands) => {
    if (stepDeferred(state, event)) await advance(state, clock, commands);
  },

  SlotGranted: async (state, event, clock, commands) => {
    if (slotGranted(state, event, clock, commands)) await advance(state, clock, commands);
  },

  TimerFired: async (state, { timer }, clock, commands) => {
    if (timer.unit) return void unitTimer(state, timer, clock, commands);
    const step = state.steps[timer.stepId];
    switch (timer.kind) {
      case 'run_timeout':
        if (timer.attempt !== (state.restarts ?? 0)) return; // the timeout of the run before a restart
        failRun(
          state,
          {
            code: 'run_timeout',
            message: `the run did not finish within ${state.definition.timeout}`,
            retryable: false,
          },
          clock,
          commands,
        );
        break;
      case 'step_timeout': {
        // An attempt waiting for its agent's slot times out as one that runs.
        if (!isCurrent(state, timer.stepId, timer.attempt) && !waitsForSlot(state, timer)) return;
        const elapsed = clock.now - step!.attempts.at(-1)!.dispatchedAt;
        // An agent loop past its timeout is not started again: a new attempt would redo (and pay
        // for) every finished turn and tool call.
        const looped = !!step!.attempts.at(-1)!.loop;
        attemptFailed(
          state,
          timer.stepId,
          {
            code: 'timeout',
            message: looped
              ? `the agent loop did not finish within the step timeout (${elapsed} ms)`
              : `attempt ${timer.attempt} timed out after ${elapsed} ms`,
            retryable: !looped,
          },
          clock,
          commands,
        );
        break;
      }
      case 'approval_deadline':
      case 'approval_escalate':
        if (!approvalTimer(state, timer, clock, commands)) return;
        break;
      case 'unclaimed':
        if (plainCurrent(state, timer.stepId, timer.attempt) && step!.attempts.at(-1)!.startedAt === undefined)
          redispatch(state, timer.stepId, clock, commands);
        return;
      case 'retry':
        if (step?.status !== 'running' || step.attempt !== timer.attempt || step.attempts.at(-1)?.status === 'running')
          return;
        dispatch(state, timer.stepId, clock, commands);
        break;
      case 'sleep':
        if (step?.status !== 'waiting') return;
        succeed(state, timer.stepId, null, clock);
        break;
      case 'event_timeout':
        if (step?.status !== 'waiting') return;
        commands.push({ type: 'StopWaiting', stepId: timer.stepId });
        own(state, timer.stepId).attempts.at(-1)!.status = 'failed';
        failStep(
          state,
          timer.stepId,
          {
            code: 'timeout',
            message: `no ${eventTypeOf(state, timer.stepId)} event arrived in time`,
            retryable: false,
          },
          clock,
          commands,
        );
        break;
      default:
        unreachable(timer.kind, 'timer kind');
    }
    await advance(state, clock, commands);
  },

  ApprovalDecided: async (state, event, clock, commands) => {
    if (event.toolCall) {
      if (toolApprovalDecided(state, event, clock, commands)) await advance(state, clock, commands);
      return;
    }
    if (event.budget) {
      if (budgetDecided(state, event, clock, commands)) await advance(state, clock, commands);
      return;
    }
    if (takeDecision(state, event, clock, commands)) await advance(state, clock, commands);
  },

  BudgetSpendRead: (state, event) => spendRead(state, event),

  RestartRequested: (state, _event, clock, commands) => restart(state, clock, commands),
  PauseRequested: (state) => pause(state),
  ResumeRequested: (state, _event, clock, commands) => {
    resumeBudget(state, clock, commands); // a resume on a budget pause approves it
    return resume(state, clock, commands);
  },
  CancelRequested: (state, event, clock, commands) =>
    cancel(state, event.reason ?? 'cancelled on request', clock, commands),

  EventReceived: async (state, event, clock, commands) => {
    let matched = false;
    for (const [key, step] of Object.entries(state.steps)) {
      const def = nodeOf(state, key).step;
      if (step.status !== 'waiting' || !('wait_for_event' in def) || def.wait_for_event.type !== event.eventType)
        continue;
      try {
        const context = { ...contextOf(state, key), event: event.data };
        if (
          def.wait_for_event.match &&
          !(await evaluateCondition(
            def.wait_for_event.match,
            context,
            `${nodeOf(state, key).path}.wait_for_event.match`,
            clock,
          ))
        )
          continue;
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        continue;
      }
      matched = true;
      commands.push({ type: 'StopWaiting', stepId: key });
      cancelTimer(commands, 'event_timeout', key, 1);
      succeed(state, key, event.data, clock);
    }
    if (matched) await advance(state, clock, commands);
  },
};

function eventTypeOf(state: RunState, key: string): string {
  const def = nodeOf(state, key).step;
  return 'wait_for_event' in def ? def.wait_for_event.type : 'awaited';
}
