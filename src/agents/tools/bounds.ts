/** Bounds on what reaches a model from a tool: descriptions and results. */

/** Longest tool description offered to a model, characters (longer ones are cut). */
export const MAX_TOOL_DESCRIPTION = 2_000;

/** Largest tool result handed to a model, characters of text or of JSON. */
export const MAX_TOOL_OUTPUT = 16_000;

/** A description cut to {@link MAX_TOOL_DESCRIPTION} characters (ending in `…` when cut). */
export function boundDescription(text: string): string {
  return text.length > MAX_TOOL_DESCRIPTION ? `${text.slice(0, MAX_TOOL_DESCRIPTION - 1)}…` : text;
}

/**
 * A tool result bounded for the model: text, or JSON as text, longer than {@link MAX_TOOL_OUTPUT}
 * characters becomes its first 16 000 characters and the note `[… cut at 16000 characters]` (a
 * cut JSON value is text from then on); smaller values are returned as they are. Never throws.
 */
export function boundToolOutput(output: unknown): unknown {
  if (typeof output === 'string') return output.length > MAX_TOOL_OUTPUT ? cut(output) : output;
  if (output === undefined || output === null || typeof output !== 'object') return output ?? null;
  let json: string;
  try {
    json = JSON.stringify(output);
  } catch (err) {
    return `[the tool result could not be read: ${(err as Error).message}]`;
  }
  return json.length > MAX_TOOL_OUTPUT ? cut(json) : output;
}

function cut(text: string): string {
  return `${text.slice(0, MAX_TOOL_OUTPUT)}\n[… cut at ${MAX_TOOL_OUTPUT} characters]`;
}
