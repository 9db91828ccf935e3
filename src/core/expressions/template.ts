import jsonata from 'jsonata';
import { BOUNDED_BUILTINS } from './builtins';
import { EXPRESSION_LIMITS, ExpressionBudget } from './limits';
import { LinearRegExp } from './regex';

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

/** The binding through which an evaluation's hooks find its budget (see {@link evaluateBounded}). */
const BUDGET = '__baton_budget';
/** Where the hooks keep the budget on JSONata's evaluation frame, out of reach of expressions. */
const FRAME_BUDGET = Symbol('budget');

type Frame = { base: Frame & { [FRAME_BUDGET]?: ExpressionBudget }; lookup(name: string): unknown };

function budgetOf(env: Frame): ExpressionBudget {
  const base = env.base;
  let budget = base[FRAME_BUDGET];
  if (budget === undefined) {
    const bound = base.lookup(BUDGET);
    if (!(bound instanceof ExpressionBudget)) throw new Error('an expression must be evaluated with a budget');
    budget = base[FRAME_BUDGET] = bound;
  }
  return budget;
}

const OPTIONS = { RegexEngine: LinearRegExp as unknown as RegExpConstructor, stack: EXPRESSION_LIMITS.depth, sequence: EXPRESSION_LIMITS.arrayLength };

const compiled = new Map<string, Expression>();

/**
 * Compiles a JSONata expression, memoised by source text, with the bounds of {@link EXPRESSION_LIMITS}
 * wired in: RE2 for regexes, the depth and sequence limits, the bounded built-ins, and hooks that
 * count steps and check each value produced. Evaluate it with {@link evaluateBounded}.
 * @throws the JSONata error (with `position`) when the expression does not parse.
 */
export function compile(source: string): Expression {
  let expr = compiled.get(source);
  if (!expr) {
    expr = jsonata(source, OPTIONS);
    for (const b of BOUNDED_BUILTINS) expr.registerFunction(b.name, b.implementation as never, b.signature);
    // One hook, on exit: every evaluation step exits (a tail call returns a thunk first; a
    // recursion that never returns meets the depth limit), so steps are counted where each value
    // produced is checked. A second hook, on entry, would cost as much again.
    expr.assign(Symbol.for('jsonata.__evaluate_exit') as never, (_node: unknown, _input: unknown, env: Frame, result: unknown) => {
      const budget = budgetOf(env);
      budget.step();
      budget.checkResult(result);
    });
    if (compiled.size > 5_000) compiled.clear();
    compiled.set(source, expr);
  }
  return expr;
}

/**
 * Evaluates an expression against `context`, spending from `budget` (shared by every expression
 * of one render). @throws {BudgetExceeded} past a limit, or the JSONata evaluation error.
 */
export function evaluateBounded(source: string, context: unknown, budget: ExpressionBudget): Promise<unknown> {
  return compile(source).evaluate(context, { [BUDGET]: budget });
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
 * it does not compile (a nested object constructor, `}}` in a string or comment), JSONata parses the
 * rest and stops at the first `}` it cannot consume. Its parser reads tokens lazily, so either way
 * this costs about the length of the expression.
 * @returns the index of the closing `}}`, or the parse error.
 */
function closingBraces(text: string, from: number): { close: number } | { error: string } {
  const first = text.indexOf('}}', from);
  if (first < 0) return { error: 'unclosed {{ (missing }})' };
  const source = text.slice(from, first).trim();
  if (source && !tryCompile(source)) return { close: first };
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

type Parsed = { segments: Segment[] } | { error: TemplateError };

const parsedTemplates = new Map<string, Parsed>();

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
    if (parsedTemplates.size > 2_000) parsedTemplates.clear();
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
    if (open > pos) segments.push({ kind: 'text', value: text.slice(pos, open) });
    const end = closingBraces(text, open + 2);
    if ('error' in end) return { error: { message: end.error, offset: open } };
    segments.push({ kind: 'expr', source: text.slice(open + 2, end.close).trim(), offset: open });
    pos = end.close + 2;
  }
  if (pos < text.length) segments.push({ kind: 'text', value: text.slice(pos) });
  return { segments };
}
