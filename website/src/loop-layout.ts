import { formatDuration, formatTokens } from './format';
import type { ToolCallView, TurnView } from './types';

/** One mark inside an agent step's timeline bar: a model turn or a tool call. */
export interface LoopMark {
  key: string;
  kind: 'turn' | 'tool';
  /** The turn's or call's status (`waiting` is a call waiting for its approval). */
  status: string;
  /** Offset from the bar's start, percent of the bar (0–100). */
  left: number;
  /** Percent of the bar (at least 0, at most 100 − left). */
  width: number;
  /** Tool calls that overlap in time go to different lanes (0 … MAX_TOOL_LANES − 1); turns are lane 0. */
  lane: number;
  /** What the mark is, for `title` and `aria-label`: name, status, duration. */
  label: string;
}

/** Parallel tool calls are stacked in at most this many lanes; more share the last one. */
export const MAX_TOOL_LANES = 3;
/** At most this many marks are drawn in one bar (the transcript lists every call). */
export const MAX_MARKS = 600;

/** Epoch ms of an ISO time; NaN when absent or not a time. */
const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);
const ENDED_CALL = new Set(['succeeded', 'failed', 'rejected']);

function callLabel(call: ToolCallView, ms: number): string {
  const who = call.approval?.decidedBy ? ` by ${call.approval.decidedBy}` : '';
  const state =
    call.status === 'waiting'
      ? `waiting for approval${call.approval?.assignees.length ? ` by ${call.approval.assignees.join(', ')}` : ''}`
      : call.status === 'rejected'
        ? `rejected${who}`
        : call.status;
  return `tool ${call.tool} (${call.kind}): ${state}, ${formatDuration(ms)}`;
}

function turnLabel(turn: TurnView, ms: number): string {
  const what = turn.repairOf ? `repair turn ${turn.turn}` : `turn ${turn.turn}`;
  const model = turn.model ? ` (${turn.model})` : '';
  const tokens = turn.usage ? `, ${formatTokens(turn.usage)} tokens` : '';
  return `${what}${model}: ${turn.status}, ${formatDuration(ms)}${tokens}`;
}

/**
 * Lays the model turns and tool calls of an agent step out inside its bar, which spans
 * `[from, to]` (epoch ms). Open units (no `endedAt`) run to `now`; a call not started yet sits at
 * the end of its turn. Units without any usable time are left out. Pure: the same input, the same marks.
 */
export function loopMarks(turns: readonly TurnView[], from: number, to: number, now: number): LoopMark[] {
  const span = Math.max(to - from, 1);
  const place = (start: number, end: number) => {
    const left = Math.min(Math.max(((start - from) / span) * 100, 0), 100);
    const right = Math.min(Math.max(((end - from) / span) * 100, left), 100);
    return { left, width: right - left };
  };
  const marks: LoopMark[] = [];
  const laneEnds: number[] = [];
  const calls: { call: ToolCallView; key: string; start: number; end: number }[] = [];
  for (const [turnIndex, turn] of turns.entries()) {
    const start = at(turn.startedAt);
    const end = turn.endedAt ? at(turn.endedAt) : now;
    if (Number.isFinite(start) && Number.isFinite(end)) {
      marks.push({
        key: `t${turnIndex}`,
        kind: 'turn',
        status: turn.status,
        lane: 0,
        label: turnLabel(turn, end - start),
        ...place(start, end),
      });
    }
    for (const [callIndex, call] of turn.toolCalls.entries()) {
      const callStart = Number.isFinite(at(call.startedAt)) ? at(call.startedAt) : Number.isFinite(end) ? end : start;
      const callEnd = call.endedAt ? at(call.endedAt) : ENDED_CALL.has(call.status) ? callStart : now;
      if (Number.isFinite(callStart) && Number.isFinite(callEnd))
        calls.push({ call, key: `c${turnIndex}:${callIndex}`, start: callStart, end: Math.max(callEnd, callStart) });
    }
  }
  calls.sort((a, b) => a.start - b.start);
  for (const { call, key, start, end } of calls) {
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= start);
    if (lane === -1) lane = Math.min(laneEnds.length, MAX_TOOL_LANES - 1);
    laneEnds[lane] = Math.max(laneEnds[lane] ?? end, end);
    marks.push({
      key,
      kind: 'tool',
      status: call.status,
      lane,
      label: callLabel(call, end - start),
      ...place(start, end),
    });
  }
  return marks.slice(0, MAX_MARKS);
}
