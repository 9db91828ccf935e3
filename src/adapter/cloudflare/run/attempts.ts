import {
  agentOf,
  nodeOf,
  selectionRequest,
  stepTimeoutMs,
  type DispatchKind,
  type PinnedAgent,
  type RunState,
  type SelectionRequest,
  type Served,
  type Usage,
} from '../../../core/engine/index';
import { loopCurrent } from '../../../core/engine/agent-loop';
import { waitsForSlot } from '../../../core/engine/slots';
import { callOf, loopOf, turnOf } from '../../../core/engine/loop-state';
import type { AgentLoop, LoopUnit, ToolCallRecord, ToolOutcome, TurnOutcome } from '../../../core/engine/loop-types';
import type { StepError } from '../../../schemas/errors';
import { parseAgentRef } from '../../../schemas/names';
import { DEFAULT_PRIORITY, type WaitReason } from '../../../schemas/enums';
import type { AgentLoopFields } from '../../../schemas/tools';
import type { z } from 'zod';

// What travels between a run's RunObject and whoever executes its attempts (the Queue consumer,
// the object's own chain runner, a child run): the claim of an attempt and the report of its outcome.

/** One attempt of a step instance, as Queue messages and reports name it; `unit` for a unit of its agent loop. */
export interface AttemptRef {
  stepId: string;
  attempt: number;
  unit?: LoopUnit;
}

/** The loop keys of an agent step's definition (they add to, or override, the agent's). */
export type StepLoopKeys = { [K in keyof typeof AgentLoopFields]?: z.infer<(typeof AgentLoopFields)[K]> };

/** What a consumer gets when it claims an attempt: everything needed to execute it. */
export interface Claim extends AttemptRef {
  tenantId: string;
  workflow: string;
  kind: DispatchKind;
  /** The agent's name, for `agent` steps. */
  agent: string | null;
  /** The agent version to call: the step's `name@N`, else the run's pinned one; absent (older runs) = current. */
  agentVersion?: number;
  /** The run's pinned agents, for following an offline agent's `replaced_by` to its pinned version. */
  pinned?: Readonly<Record<string, PinnedAgent>>;
  /** The rendered input: the agent input, or the `http:` / `mcp:` block. */
  input: unknown;
  /** Time left before the attempt's timeout, ms. */
  timeoutMs: number;
  /** Agent steps: the step's own loop keys. */
  stepLoop?: StepLoopKeys;
  /** A unit of a loop: the loop so far (settings and turns; the transcript the model reads). */
  loop?: AgentLoop;
  /** A tool-call unit: the call. */
  call?: ToolCallRecord;
  /** A step that selects its agent by skill: what to select (the executor picks `agent`). */
  selection?: SelectionRequest;
  /** The run's priority (1–10) and when the attempt was dispatched (epoch ms): its place where it waits for an agent slot. */
  priority?: number;
  dispatchedAt?: number;
}

/** What a consumer (or a child run) reports after an attempt or a unit of its loop. */
export type Report =
  | (AttemptRef & Served & { ok: true; output: unknown; usage?: Usage; provider?: string })
  | (AttemptRef & Served & { ok: false; error: StepError; usage?: Usage; provider?: string })
  | (AttemptRef & Served & { turn: number; outcome: TurnOutcome })
  | (AttemptRef & { turn: number; callId: string; outcome: ToolOutcome })
  /** The agent was not called: it has `max_concurrency` calls in flight; the attempt waits for a slot. */
  | (AttemptRef & Served & { deferred: WaitReason });

/** The key of an attempt or unit in sets and logs: `step#attempt` or `step#attempt:turn:call`. */
export function refKey({ stepId, attempt, unit }: AttemptRef): string {
  return unit ? `${stepId}#${attempt}:${unit.turn}:${unit.callId ?? 'model'}` : `${stepId}#${attempt}`;
}

/** The unit record a ref names in the state (a turn, or a tool call), when it is the current one. */
function unitRecord(state: RunState, { stepId, unit }: AttemptRef) {
  const turn = turnOf(loopOf(state, stepId), unit!.turn);
  return unit!.callId ? callOf(turn, unit!.callId) : turn;
}

/** True when the attempt (or unit) is the step's current one and still in flight (claimed or not). */
export function inFlight(state: RunState, ref: AttemptRef): boolean {
  if (!ref.unit) {
    const step = state.steps[ref.stepId];
    // Once its first turn started a loop, the attempt as a whole is no longer executed: its units are.
    const last = step?.attempts.at(-1);
    return (
      !!step && step.status === 'running' && step.attempt === ref.attempt && last?.status === 'running' && !last.loop
    );
  }
  if (!loopCurrent(state, ref.stepId, ref.attempt)) return false;
  const record = unitRecord(state, ref);
  return record?.status === 'running' && record.retryAt === undefined;
}

/** True when the attempt (or unit) is the step's current one, in flight and not yet claimed. */
export function claimable(state: RunState, ref: AttemptRef): boolean {
  // One waiting for its agent's slot is claimed only once the slot is granted (a duplicate delivery calls nothing).
  if (!inFlight(state, ref) || waitsForSlot(state, ref)) return false;
  if (ref.unit) return unitRecord(state, ref)!.startedAt === undefined;
  return state.steps[ref.stepId]!.attempts.at(-1)!.startedAt === undefined;
}

/**
 * The claim of an attempt (or of a unit of its agent loop) as its executor gets it: the rendered
 * input, the time left of the step's timeout (which bounds a whole loop), and for loops the step's
 * loop keys, the loop so far and the tool call.
 * @param now epoch ms
 */
export function claimOf(state: RunState, { stepId, attempt, unit }: AttemptRef, tenantId: string, now: number): Claim {
  const step = state.steps[stepId]!;
  const node = nodeOf(state, stepId);
  const budget = stepTimeoutMs(state, stepId);
  // The attempt's timeout bounds a whole agent loop: each unit gets what is left of it.
  const timeoutMs = Math.max(1, step.attempts.at(-1)!.dispatchedAt + budget - now);
  const def = node.step;
  const stepLoop: StepLoopKeys | undefined =
    'agent' in def
      ? {
          tools: def.tools,
          output_schema: def.output_schema,
          max_turns: def.max_turns,
          max_tool_calls: def.max_tool_calls,
        }
      : undefined;
  // A model turn reads the transcript; a tool call needs only its own call.
  const loop = unit && !unit.callId ? loopOf(state, stepId) : undefined;
  // Only the attempt's first call picks its agent; later turns go to the agent the first one chose.
  const selection = unit ? undefined : selectionRequest(state, stepId);
  const call = unit?.callId ? callOf(turnOf(loopOf(state, stepId), unit.turn), unit.callId) : undefined;
  const agent = agentOf(state, stepId);
  const agentVersion =
    'agent' in def && typeof def.agent === 'string' && parseAgentRef(def.agent).version !== undefined
      ? parseAgentRef(def.agent).version
      : agent
        ? state.agents?.[agent]?.version
        : undefined;
  return {
    stepId,
    attempt,
    ...(unit ? { unit } : {}),
    tenantId,
    workflow: state.workflow,
    kind: node.kind as DispatchKind,
    agent,
    ...(agentVersion !== undefined ? { agentVersion } : {}),
    ...((agent || selection) && state.agents ? { pinned: state.agents } : {}),
    input: step.input,
    timeoutMs,
    ...(stepLoop ? { stepLoop } : {}),
    ...(loop ? { loop } : {}),
    ...(call ? { call } : {}),
    ...(selection ? { selection } : {}),
    priority: state.priority ?? DEFAULT_PRIORITY,
    dispatchedAt: step.attempts.at(-1)!.dispatchedAt,
  };
}
