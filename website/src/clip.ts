/** Model and tool text can be anything: long texts start collapsed, and huge ones are cut when shown. */

/** Texts longer than this many characters, or lines, start collapsed. */
export const COLLAPSE_CHARS = 600;
export const COLLAPSE_LINES = 12;
/** At most this many characters of one text are put in the page. */
export const MAX_SHOWN_CHARS = 50_000;

/** Whether a text is long enough to start collapsed. */
export function isLong(text: string): boolean {
  if (text.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++lines > COLLAPSE_LINES) return true;
  return false;
}

/** The text cut to `max` characters (never inside a surrogate pair), and how many were cut off. */
export function clipText(text: string, max = MAX_SHOWN_CHARS): { text: string; cut: number } {
  if (text.length <= max) return { text, cut: 0 };
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return { text: text.slice(0, end), cut: text.length - end };
}

/** A one-line preview of a text for a collapsed block: its first line, at most `max` characters. */
export function previewLine(text: string, max = 80): string {
  const first = text.slice(0, max + 1).split('\n', 1)[0] ?? '';
  return first.length > max || first.length < text.length ? `${first.slice(0, max).trimEnd()}…` : first;
}

/** A value as text to show: strings as they are, anything else as indented JSON. */
export function asText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
