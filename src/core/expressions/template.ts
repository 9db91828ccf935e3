import jsonata from 'jsonata';
import { BOUNDED_BUILTINS } from './builtins';
import { CLOCK_BUILTINS } from './clock';
import { BUDGET, budgetOf, EXPRESSION_LIMITS, type ExpressionBudget, type Frame } from './limits';
import { LinearRegExp } from './regex';

/**
 * `{{ … }}` templates whose expressions are JSONata (https://docs.jsonata.org).
 * Templates interpolate data; nothing in a template or in the data executes as code.
 */

/** A piece of a template string: literal text, or a JSONata expression with its offset. */
export type Segment = { kind: 'text'; value: string } | { kind: 'expr'; source: string; offset: number };

/** A template problem, with the character offset inside the template string. */
export interface TemplateError {
  message: string;
  offset: number;
}

export type Expression = ReturnType<typeof jsonata>;

const OPTIONS = {
  RegexEngine: LinearRegExp as unknown as RegExpConstructor,
  stack: EXPRESSION_LIMITS.depth,
  sequence: EXPRESSION_LIMITS.arrayLength,
};

/**
 * A memo bounded by the characters of its keys (what it holds grows with them: an AST is some 30
 * times its source), cleared whole when full.
 */
class BoundedMemo<T> {
  private readonly entries = new Map<string, T>();
  private characters = 0;

  constructor(private readonly maxCharacters: number) {}

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    if (key.length > this.maxCharacters / 10) return;
    this.characters += key.length;
    if (this.characters > this.maxCharacters) {
      this.entries.clear();
      this.characters = key.length;
    }
    this.entries.set(key, value);
  }
}

/** Compiled expressions, or the error a source gave (so a bad one is not parsed again). */
const compiled = new BoundedMemo<{ expr: Expression } | { error: unknown }>(1_000_000);

/** JSONata function values of built-ins, made once (a holder expression returns them). */
async function functionValues(
  builtins: readonly { name: string; signature: string; implementation: unknown }[],
): Promise<Record<string, unknown>> {
  const names = builtins.map((b) => b.name);
  const holder = jsonata(`[${names.map((n) => `$${n}`).join(', ')}]`);
  for (const b of builtins) holder.registerFunction(b.name, b.implementation as never, b.signature);
  const values = (await holder.evaluate(null)) as unknown[];
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/** The bounded built-ins, bound at each evaluation; the clock ones when the budget has a clock. */
let builtinBindings: Record<string, unknown> | undefined;
let clockBindings: Record<string, unknown> | undefined;
const builtinsReady = (async () => {
  clockBindings = await functionValues(CLOCK_BUILTINS);
  builtinBindings = await functionValues(BOUNDED_BUILTINS);
})();

/**
 * Compiles a JSONata expression, memoised by source text, with the bounds of {@link EXPRESSION_LIMITS}
 * wired in: RE2 for regexes, the depth and sequence limits, and the hook that counts steps and
 * checks each value produced. Evaluate it with {@link evaluateBounded} (which also binds the
 * bounded built-ins).
 * @throws the JSONata error (with `position`) when the expression does not parse.
 */
export function compile(source: string): Expression {
  const known = compiled.get(source);
  if (known) {
    if ('error' in known) throw known.error;
    return known.expr;
  }
  let expr: Expression;
  try {
    expr = jsonata(source, OPTIONS);
  } catch (error) {
    compiled.set(source, { error });
    throw error;
  }
  // One hook, on exit: every evaluation step exits (a tail call returns a thunk first; a
  // recursion that never returns meets the depth limit), so steps are counted where each value
  // produced is checked. A second hook, on entry, would cost as much again.
  expr.assign(
    Symbol.for('jsonata.__evaluate_exit') as never,
    (node: { type: string }, _input: unknown, frame: Frame, result: unknown) => {
      const budget = budgetOf(frame);
      budget.step();
      budget.checkResult(result, node.type);
    },
  );
  compiled.set(source, { expr });
  return expr;
}

/**
 * Evaluates an expression against `context`, spending from `budget` (shared by every expression
 * of one render); `$now()`, `$millis()` and `$random()` read the budget's clock when it has one. @throws {BudgetExceeded} past a limit, or the JSONata evaluation error.
 */
export async function evaluateBounded(source: string, context: unknown, budget: ExpressionBudget): Promise<unknown> {
  const expr = compile(source);
  if (!builtinBindings) await builtinsReady;
  return expr.evaluate(context, {
    ...builtinBindings,
    ...(budget.clock ? clockBindings : undefined),
    [BUDGET]: budget,
  });
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
 * Where the expression that starts at `from` ends. Mostly at the first `}}`; when the text before
 * the first few does not compile (a nested object constructor, `}}` in a string or comment), JSONata parses the
 * rest and stops at the first `}` it cannot consume. Its parser reads tokens lazily, so either way
 * this costs about the length of the expression.
 * @returns the index of the closing `}}`, or the parse error.
 */
function closingBraces(text: string, from: number): { close: number } | { error: string } {
  const first = text.indexOf('}}', from);
  if (first < 0) return { error: 'unclosed {{ (missing }})' };
  // The first few `}}` by compiling (memoised, failures too: a repeated expression costs nothing)…
  for (let at = first, tries = 0; at >= 0 && tries < 3; at = text.indexOf('}}', at + 1), tries++) {
    const source = text.slice(from, at).trim();
    if (source && !tryCompile(source)) return { close: at };
  }
  // … then JSONata's parser over the rest says where the expression ends.
  try {
    jsonata(text.slice(from));
    return { error: 'unclosed {{ (missing }})' };
  } catch (err) {
    const { token, position } = err as { token?: string; position?: number };
    const at = typeof position === 'number' ? from + position - 1 : -1;
    if (token !== '}' || !text.startsWith('}}', at)) return { error: `invalid expression: ${(err as Error).message}` };
    const found = text.slice(from, at).trim();
    const problem = found ? tryCompile(found) : 'empty expression {{ }}';
    return problem ? { error: found ? `invalid expression: ${problem}` : problem } : { close: at };
  }
}

/** Expressions one template may hold (each costs a parse at registration). */
export const MAX_EXPRESSIONS = 1_000;

type Parsed = { segments: Segment[] } | { error: TemplateError };

const parsedTemplates = new BoundedMemo<Parsed>(4_000_000);

/**
 * Splits a template into text and `{{ … }}` expressions, in time linear in its length. When an
 * expression itself contains `}}` (a nested object constructor, a string), JSONata's own parser
 * says where it ends. Memoised by text, so a definition's templates are parsed once, when it is
 * registered, and reused at every render.
 * @returns the segments, or the first error (unclosed `{{`, empty or invalid expression).
 */
export function parseTemplate(text: string): Parsed {
  let parsed = parsedTemplates.get(text);
  if (!parsed) {
    parsed = parseUncached(text);
    parsedTemplates.set(text, parsed);
  }
  return parsed;
}

function parseUncached(text: string): Parsed {
  const segments: Segment[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    if (segments.length >= 2 * MAX_EXPRESSIONS)
      return { error: { message: `more than ${MAX_EXPRESSIONS} expressions in one template`, offset: open } };
    if (open > pos) segments.push({ kind: 'text', value: text.slice(pos, open) });
    const end = closingBraces(text, open + 2);
    if ('error' in end) return { error: { message: end.error, offset: open } };
    segments.push({ kind: 'expr', source: text.slice(open + 2, end.close).trim(), offset: open });
    pos = end.close + 2;
  }
  if (pos < text.length) segments.push({ kind: 'text', value: text.slice(pos) });
  return { segments };
}
