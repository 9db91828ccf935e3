import type { RunState } from './engine/index';
import { agentOf, nodeOf, orderedKeys, parentKey } from './engine/instances';
import type { Attempt, Usage } from './engine/types';
import type { ToolCallRecord, TurnRecord } from './engine/loop-types';

/**
 * A run as a trace (issue 20: traces): the run the root span, each step instance a child (blocks
 * hold their steps), each attempt a child of its step, and an agent's model turns and tool calls
 * children of their attempt, named and attributed after the OpenTelemetry GenAI semantic
 * conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/). Pure: ids are
 * the adapter's, from each span's `key`.
 */

/** A span attribute value (OTLP AnyValue: string, int, double or bool). */
export type AttributeValue = string | number | boolean;

/** OTLP span kinds used here (opentelemetry-proto trace.proto `SpanKind`). */
export const SPAN_KIND = { internal: 1, client: 3 } as const;
/** OTLP status codes (trace.proto `Status.StatusCode`). */
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** One span before it has ids; times epoch ms. */
export interface TraceSpan {
  /** Unique in the run, stable across exports (the adapter derives the span id from it). */
  key: string;
  parentKey: string | null;
  name: string;
  kind: (typeof SPAN_KIND)[keyof typeof SPAN_KIND];
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  status: { code: (typeof STATUS_CODE)[keyof typeof STATUS_CODE]; message?: string };
}

const clean = (attrs: Record<string, AttributeValue | undefined | null>) =>
  Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null)) as Record<
    string,
    AttributeValue
  >;

function usageAttributes(usage: Usage | undefined): Record<string, AttributeValue | undefined> {
  return {
    'gen_ai.usage.input_tokens': usage?.inputTokens,
    'gen_ai.usage.output_tokens': usage?.outputTokens,
    'baton.cost_usd': usage?.costUsd,
  };
}

function statusOf(ok: boolean | null, message?: string): TraceSpan['status'] {
  if (ok === null) return { code: STATUS_CODE.unset };
  return ok ? { code: STATUS_CODE.ok } : { code: STATUS_CODE.error, ...(message ? { message } : {}) };
}

/** The spans of an ended run, root first. A span still open when the run ended ends with it. */
export function runSpans(state: RunState): TraceSpan[] {
  const runEnd = state.endedAt ?? state.startedAt ?? state.createdAt;
  const runStart = state.startedAt ?? state.createdAt;
  const spans: TraceSpan[] = [
    {
      key: 'run',
      parentKey: null,
      name: `run ${state.workflow}`,
      kind: SPAN_KIND.internal,
      startMs: runStart,
      endMs: runEnd,
      attributes: clean({
        'baton.run.id': state.runId,
        'baton.workflow.name': state.workflow,
        'baton.workflow.version': state.version,
        'baton.run.status': state.status,
        'baton.trigger.type': state.trigger.type,
        'baton.run.restarts': state.restarts,
        'error.type': state.error?.code,
      }),
      status: statusOf(
        state.status === 'completed' ? true : state.status === 'failed' ? false : null,
        state.error?.message,
      ),
    },
  ];
  for (const key of orderedKeys(state)) {
    const step = state.steps[key]!;
    const first = step.attempts[0];
    const start = step.startedAt ?? first?.dispatchedAt;
    if (start === undefined) continue; // never ran (skipped, or cancelled before it started)
    const node = nodeOf(state, key);
    const parent = parentKey(state, key);
    const agent = agentOf(state, key);
    spans.push({
      key: `step:${key}`,
      parentKey: parent ? `step:${parent}` : 'run',
      name: `step ${key}`,
      kind: SPAN_KIND.internal,
      startMs: start,
      endMs: step.endedAt ?? step.attempts.at(-1)?.endedAt ?? runEnd,
      attributes: clean({
        'baton.step.id': key,
        'baton.step.kind': node.kind,
        'baton.step.status': step.status,
        'baton.step.attempts': step.attempts.length,
        'gen_ai.agent.name': agent,
        'error.type': step.error?.code,
      }),
      status: statusOf(
        step.status === 'succeeded' ? true : step.status === 'failed' ? false : null,
        step.error?.message,
      ),
    });
    for (const attempt of step.attempts) spans.push(...attemptSpans(key, attempt, node.kind, runEnd));
  }
  return spans;
}

function attemptSpans(stepKey: string, a: Attempt, kind: string, runEnd: number): TraceSpan[] {
  const key = `attempt:${stepKey}:${a.attempt}`;
  const end = a.endedAt ?? runEnd;
  const single = !a.loop && a.usage; // one model call, no loop: the attempt is the call
  const spans: TraceSpan[] = [
    {
      key,
      parentKey: `step:${stepKey}`,
      name: a.agent && kind === 'agent' ? `invoke_agent ${a.agent}` : `attempt ${a.attempt}`,
      kind: kind === 'http' || kind === 'mcp' || single ? SPAN_KIND.client : SPAN_KIND.internal,
      startMs: a.startedAt ?? a.dispatchedAt,
      endMs: end,
      attributes: clean({
        'baton.attempt': a.attempt,
        'baton.attempt.status': a.status,
        'baton.provider': a.provider,
        ...(kind === 'agent' ? { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': a.agent } : {}),
        ...usageAttributes(a.usage),
        'error.type': a.error?.code,
      }),
      status: statusOf(a.status === 'succeeded' ? true : a.status === 'failed' ? false : null, a.error?.message),
    },
  ];
  for (const turn of a.loop?.turns ?? []) spans.push(...turnSpans(key, turn, end));
  return spans;
}

function turnSpans(attemptKey: string, t: TurnRecord, attemptEnd: number): TraceSpan[] {
  const key = `${attemptKey}:turn:${t.turn}`;
  const spans: TraceSpan[] = [
    {
      key,
      parentKey: attemptKey,
      name: t.model ? `chat ${t.model}` : 'chat',
      kind: SPAN_KIND.client,
      startMs: t.startedAt ?? t.dispatchedAt,
      endMs: t.endedAt ?? attemptEnd,
      attributes: clean({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': t.provider,
        'gen_ai.request.model': t.model,
        'gen_ai.response.model': t.model,
        'baton.turn': t.turn,
        ...usageAttributes(t.usage),
        'error.type': t.error?.code,
      }),
      status: statusOf(t.status === 'succeeded' ? true : t.status === 'failed' ? false : null, t.error?.message),
    },
  ];
  for (const call of t.toolCalls) spans.push(toolSpan(attemptKey, call, t.endedAt ?? attemptEnd));
  return spans;
}

function toolSpan(attemptKey: string, c: ToolCallRecord, turnEnd: number): TraceSpan {
  const start = c.startedAt ?? c.dispatchedAt ?? turnEnd;
  return {
    key: `${attemptKey}:tool:${c.id}`,
    // The call runs after the turn that asked for it; it belongs to the attempt, next to its turn.
    parentKey: attemptKey,
    name: `execute_tool ${c.name}`,
    kind: SPAN_KIND.internal,
    startMs: start,
    endMs: c.endedAt ?? Math.max(start, turnEnd),
    attributes: clean({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': c.name,
      'gen_ai.tool.call.id': c.id,
      'gen_ai.tool.type': c.kind,
      'baton.tool.status': c.status,
      'baton.child_run.id': c.childRunId,
      ...usageAttributes(c.usage),
      'error.type': c.error?.code,
    }),
    status: statusOf(
      c.status === 'succeeded' ? true : c.status === 'failed' || c.status === 'rejected' ? false : null,
      c.error?.message,
    ),
  };
}
