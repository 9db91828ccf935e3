import jsonata from 'jsonata';

/**
 * `{{ … }}` templates whose expressions are JSONata (https://docs.jsonata.org).
 * Templates interpolate data; nothing in a template or in the data executes as code.
 */

/** A piece of a template string: literal text, or a JSONata expression with its offset. */
export type Segment =
  | { kind: 'text'; value: string }
  | { kind: 'expr'; source: string; offset: number };

/** A template problem, with the character offset inside the template string. */
export interface TemplateError {
  message: string;
  offset: number;
}

export type Expression = ReturnType<typeof jsonata>;

const compiled = new Map<string, Expression>();

/**
 * Compiles a JSONata expression, memoised by source text.
 * @throws the JSONata error (with `position`) when the expression does not parse.
 */
export function compile(source: string): Expression {
  let expr = compiled.get(source);
  if (!expr) {
    expr = jsonata(source);
    if (compiled.size > 5_000) compiled.clear();
    compiled.set(source, expr);
  }
  return expr;
}

function tryCompile(source: string): string | undefined {
  try {
    compile(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Splits a template into text and `{{ … }}` expressions. When an expression itself contains `}}`
 * (e.g. a nested object constructor), the first closing `}}` after which the expression compiles wins.
 * @returns the segments, or the first error (unclosed `{{`, empty or invalid expression).
 */
export function parseTemplate(text: string): { segments: Segment[] } | { error: TemplateError } {
  const segments: Segment[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    if (open > pos) segments.push({ kind: 'text', value: text.slice(pos, open) });
    let close = text.indexOf('}}', open + 2);
    if (close < 0) return { error: { message: 'unclosed {{ (missing }})', offset: open } };
    let firstError: string | undefined;
    for (let at = close; at >= 0; at = text.indexOf('}}', at + 1)) {
      const source = text.slice(open + 2, at).trim();
      const problem = source ? tryCompile(source) : 'empty expression {{ }}';
      if (!problem) {
        close = at;
        firstError = undefined;
        break;
      }
      firstError ??= problem;
    }
    if (firstError) return { error: { message: `invalid expression: ${firstError}`, offset: open } };
    segments.push({ kind: 'expr', source: text.slice(open + 2, close).trim(), offset: open });
    pos = close + 2;
  }
  if (pos < text.length) segments.push({ kind: 'text', value: text.slice(pos) });
  return { segments };
}
