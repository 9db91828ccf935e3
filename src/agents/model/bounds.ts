import type { ToolCallRequest } from '../../core/engine/loop-types';

/** Longest assistant text kept per turn, characters (the rest is cut off). */
export const MAX_REPLY_TEXT_CHARS = 32_000;
/** Most tool calls one turn may ask for; more is a bad response. */
export const MAX_TOOL_CALLS_PER_TURN = 32;
/** Longest arguments of one tool call, characters of JSON; longer is a bad response. */
export const MAX_TOOL_ARGUMENT_CHARS = 16_000;

/** Tool call ids and names: 1–128 printable ASCII characters without spaces. */
const SHORT_PRINTABLE = /^[\x21-\x7e]{1,128}$/;

/** A reply's text bounded to MAX_REPLY_TEXT_CHARS. */
export function boundedText(text: string): string {
  return text.length > MAX_REPLY_TEXT_CHARS ? text.slice(0, MAX_REPLY_TEXT_CHARS) : text;
}

/**
 * Why the tool calls of one turn cannot be run, or undefined when they can: too many, an id or a
 * name that is not a short printable string, a duplicate id, arguments longer than
 * MAX_TOOL_ARGUMENT_CHARS (`argumentChars` is the length of each call's JSON as the model sent it).
 */
export function toolCallsProblem(calls: ToolCallRequest[], argumentChars: number[]): string | undefined {
  if (calls.length > MAX_TOOL_CALLS_PER_TURN)
    return `the model asked for ${calls.length} tool calls in one turn (at most ${MAX_TOOL_CALLS_PER_TURN})`;
  const ids = new Set<string>();
  for (const [i, call] of calls.entries()) {
    if (typeof call.id !== 'string' || !SHORT_PRINTABLE.test(call.id))
      return `tool call ${i}: the id ${preview(call.id)} is not a short printable string`;
    if (typeof call.name !== 'string' || !SHORT_PRINTABLE.test(call.name))
      return `tool call ${i}: the name ${preview(call.name)} is not a short printable string`;
    if (ids.has(call.id)) return `tool call ${i}: the id ${call.id} is used twice`;
    ids.add(call.id);
    if ((argumentChars[i] ?? 0) > MAX_TOOL_ARGUMENT_CHARS)
      return `tool call ${i} (${call.name}): its arguments are ${argumentChars[i]} characters (at most ${MAX_TOOL_ARGUMENT_CHARS})`;
  }
  return undefined;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
