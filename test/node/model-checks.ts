/**
 * The request checks of the scripted model servers (model-server.ts), the ones the real APIs make
 * and a translation bug would trip: every tool call answered by a result of its id, right after it;
 * Anthropic's alternating roles, `x-api-key`, `anthropic-version` and `max_tokens`.
 */

/** Why a request would be refused, with the status the real API answers. */
export interface Problem {
  status: number;
  message: string;
}

type Message = Record<string, unknown>;

const bad = (message: string): Problem => ({ status: 400, message });

/** Chat Completions: `tool` messages follow the assistant message whose `tool_calls` they answer, one per call. */
export function openAiProblem(request: Record<string, unknown>): Problem | undefined {
  if (typeof request.model !== 'string') return bad('model: expected a string');
  if (!Array.isArray(request.messages) || request.messages.length === 0) return bad('messages: expected a list');
  let open: Set<string> | undefined;
  for (const [i, m] of (request.messages as Message[]).entries()) {
    if (m?.role === 'tool') {
      const id = String(m.tool_call_id);
      if (!open?.has(id)) return bad(`messages[${i}]: tool_call_id ${id} answers no pending tool call`);
      if (typeof m.content !== 'string') return bad(`messages[${i}].content: expected a string`);
      open.delete(id);
      continue;
    }
    if (open?.size) return bad(`messages[${i}]: tool calls ${[...open].join(', ')} have no tool message`);
    if (!['system', 'user', 'assistant'].includes(String(m?.role))) return bad(`messages[${i}].role: unknown`);
    const calls = m.tool_calls;
    if (m.role === 'assistant' && Array.isArray(calls)) {
      open = new Set();
      for (const c of calls as { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown } }[]) {
        if (c?.type !== 'function' || typeof c.function?.name !== 'string' || typeof c.function.arguments !== 'string')
          return bad(
            `messages[${i}].tool_calls: expected { id, type: function, function: { name, arguments: string } }`,
          );
        open.add(String(c.id));
      }
    } else if (typeof m.content !== 'string') return bad(`messages[${i}].content: expected a string`);
  }
  if (open?.size) return bad(`tool calls ${[...open].join(', ')} have no tool message`);
  return undefined;
}

/** Messages API: headers, `max_tokens`, roles alternating from `user`, every `tool_use` answered in the next message. */
export function anthropicProblem(
  request: Record<string, unknown>,
  header: (name: string) => string | undefined,
): Problem | undefined {
  if (!header('x-api-key')) return { status: 401, message: 'x-api-key header is required' };
  if (!header('anthropic-version')) return bad('anthropic-version: header is required');
  if (typeof request.model !== 'string') return bad('model: Field required');
  if (typeof request.max_tokens !== 'number') return bad('max_tokens: Field required');
  if (request.system !== undefined && typeof request.system !== 'string') return bad('system: expected a string');
  if (!Array.isArray(request.messages) || request.messages.length === 0) return bad('messages: Field required');
  let pending = new Set<string>();
  for (const [i, m] of (request.messages as Message[]).entries()) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (m?.role !== expected)
      return bad(`messages.${i}.role: roles must alternate between "user" and "assistant", starting with "user"`);
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0) return bad(`messages.${i}.content: expected blocks`);
    const answered = new Set<string>();
    for (const [j, b] of (blocks as Message[]).entries()) {
      const where = `messages.${i}.content.${j}`;
      if (b?.type === 'text' && (typeof b.text !== 'string' || !b.text.trim()))
        return bad(`${where}: text content blocks must contain non-whitespace text`);
      if (b?.type === 'tool_use') {
        if (m.role !== 'assistant') return bad(`${where}: tool_use blocks belong to assistant messages`);
        if (!b.input || typeof b.input !== 'object' || Array.isArray(b.input))
          return bad(`${where}.input: expected an object`);
      }
      if (b?.type === 'tool_result') {
        const id = String(b.tool_use_id);
        if (m.role !== 'user' || !pending.has(id))
          return bad(
            `${where}: unexpected tool_use_id ${id} in tool_result blocks (no tool_use of that id in the previous message)`,
          );
        if (answered.size !== j) return bad(`${where}: tool_result blocks must come first in their message`);
        answered.add(id);
      }
    }
    const missing = [...pending].filter((id) => !answered.has(id));
    if (missing.length) return bad(`messages.${i}: tool_use ids ${missing.join(', ')} have no tool_result blocks`);
    pending = new Set((blocks as Message[]).filter((b) => b?.type === 'tool_use').map((b) => String(b.id)));
  }
  if (pending.size) return bad('the last assistant message has tool_use blocks without results');
  return undefined;
}

/** Why a scripted turn cannot be played (model-server.ts `Turn`), or undefined. */
export function turnProblem(turn: unknown, i: number): string | undefined {
  if (!turn || typeof turn !== 'object' || Array.isArray(turn)) return `turns[${i}]: expected an object`;
  const t = turn as Record<string, unknown>;
  if (!['tool_calls', 'content', 'status', 'raw'].some((key) => key in t))
    return `turns[${i}]: expected tool_calls, content, status or raw`;
  if ('status' in t && !(Number.isInteger(t.status) && (t.status as number) >= 200 && (t.status as number) <= 599))
    return `turns[${i}].status: expected an HTTP status`;
  if ('raw' in t && typeof t.raw !== 'string') return `turns[${i}].raw: expected a string`;
  if ('tool_calls' in t) {
    const calls = t.tool_calls;
    if (!Array.isArray(calls) || calls.some((c) => !c || typeof c !== 'object' || typeof c.name !== 'string'))
      return `turns[${i}].tool_calls: expected [{ name, arguments? }]`;
  }
  const fail = t.fail as Record<string, unknown> | undefined;
  if (
    fail !== undefined &&
    (typeof fail !== 'object' || !Number.isInteger(fail?.status) || !Number.isInteger(fail?.times))
  )
    return `turns[${i}].fail: expected { status, times, retryAfter? }`;
  if (t.delayMs !== undefined && typeof t.delayMs !== 'number') return `turns[${i}].delayMs: expected a number`;
  return undefined;
}
