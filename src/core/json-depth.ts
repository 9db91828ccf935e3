/**
 * Nesting-depth bounds for JSON that arrives from outside (API run inputs, webhook bodies).
 * Deeply nested JSON overflows the stack of whatever walks it recursively later (structured clone
 * for Durable Object RPC, JSON.stringify, JSONata), so it is refused at the door. Both checks are
 * iterative: they cannot overflow themselves. Depth counts objects and arrays: `1` and `"x"` are 0,
 * `{}` and `[]` are 1, `{"a":[1]}` is 2.
 */

/** Deepest nesting of objects and arrays accepted in a run input or a webhook body, levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a JSON text (RFC 8259, https://www.rfc-editor.org/rfc/rfc8259) nests objects and arrays
 * deeper than `limit`, read without parsing: one linear scan of the brackets outside strings. Only a
 * text that starts (after whitespace) with `{` or `[` is scanned; anything else is not nested JSON.
 * Invalid JSON is not detected here (the parser does that); the scan only bounds the depth.
 */
export function jsonTextDeeperThan(text: string, limit: number): boolean {
  const start = text.search(/\S/);
  if (start < 0 || (text[start] !== '{' && text[start] !== '[')) return false;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Whether a value nests objects and arrays deeper than `limit`, walked with an explicit stack.
 * An object reached again (a shared reference) is walked again only when reached deeper, so the
 * walk is bounded by the number of objects times `limit`, and a cycle counts as too deep.
 */
export function valueDeeperThan(value: unknown, limit: number): boolean {
  const deepest = new WeakMap<object, number>();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (!item || typeof item !== 'object') continue;
    if (depth + 1 > limit) return true;
    if ((deepest.get(item) ?? -1) >= depth) continue;
    deepest.set(item, depth);
    for (const child of Array.isArray(item) ? item : Object.values(item))
      if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** The error message for a value nested too deep, naming where and the limit. */
export function tooDeepMessage(where: string, limit = MAX_JSON_DEPTH): string {
  return `${where} nests deeper than ${limit} levels of objects and arrays (the limit)`;
}
