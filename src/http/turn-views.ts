import { iso } from '../adapter/cloudflare/d1/client';
import type { AgentLoop, ToolCallRecord, TurnRecord } from '../core/engine/loop-types';
import type { ToolCallView, TurnView } from '../schemas/api';

/** The API's view of an agent loop: its turns and tool calls, times as ISO-8601 (the transcript). */
export function turnViews(loop: AgentLoop): TurnView[] {
  return loop.turns.map(turnView);
}

function turnView(t: TurnRecord): TurnView {
  return {
    turn: t.turn,
    status: t.status,
    tries: t.tries,
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
    provider: t.provider ?? null,
    model: t.model ?? null,
    usage: t.usage ?? null,
    text: t.text ?? null,
    toolCalls: t.toolCalls.map(toolCallView),
    repairOf: t.repairOf ?? null,
    invalid: t.invalid ?? null,
    answered: t.answered ?? false,
    error: t.error ?? null,
  };
}

function toolCallView(c: ToolCallRecord): ToolCallView {
  const a = c.approval;
  return {
    id: c.id,
    tool: c.name,
    kind: c.kind,
    arguments: c.arguments ?? null,
    status: c.status,
    tries: c.tries,
    startedAt: iso(c.startedAt),
    endedAt: iso(c.endedAt),
    output: c.output ?? null,
    error: c.error ?? null,
    usage: c.usage ?? null,
    approval: a
      ? {
          id: a.id,
          assignees: a.assignees,
          message: a.message,
          status: a.status,
          decidedBy: a.decidedBy ?? null,
          comment: a.comment ?? null,
          decidedAt: iso(a.decidedAt),
        }
      : null,
    childRunId: c.childRunId ?? null,
  };
}
