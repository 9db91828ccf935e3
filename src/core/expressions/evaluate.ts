import type { ExpressionClock } from './clock';
import { BudgetExceeded, ExpressionBudget } from './limits';
import { evaluateBounded, parseTemplate, type Segment } from './template';

/**
 * The data templates read (CONTRACT.md): `inputs`, `trigger`, `vars`, and each finished step by id
 * (`<stepId>.output`, `<stepId>.status`).
 */
export type RunContext = Record<string, unknown>;

/** Thrown when a template cannot be evaluated; `path` locates the template in the definition. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ExpressionError';
  }
}

/** A template shown in an error: its first 200 characters. */
function excerpt(source: string): string {
  return source.length > 200 ? `${source.slice(0, 200)}…` : source;
}

async function evaluateExpression(
  source: string,
  context: RunContext,
  path: string,
  budget: ExpressionBudget,
): Promise<unknown> {
  try {
    return normalise(await evaluateBounded(source, context, budget), budget);
  } catch (err) {
    throw new ExpressionError(
      `{{ ${excerpt(source)} }} failed: ${budgetMessage(err, budget) ?? (err as Error).message}`,
      path,
    );
  }
}

/** JSONata's own guards (depth D1011, sequence length D2014/D2015) in the words of the budget. */
function budgetMessage(err: unknown, budget: ExpressionBudget): string | undefined {
  const code = (err as { code?: string }).code;
  if (code === 'D1011')
    return new BudgetExceeded(
      `evaluation nested more than ${budget.limits.depth} levels deep (a recursion that does not end?)`,
    ).message;
  if (code === 'D2014' || code === 'D2015')
    return new BudgetExceeded(`a list of more than ${budget.limits.arrayLength} items`).message;
  if (err instanceof RangeError) return new BudgetExceeded(err.message).message;
  return undefined;
}

/**
 * JSONata returns sequences as arrays tagged with extra properties; JSON round-tripping strips them.
 * The value is weighed first — afresh, as a transform (`~> | … |`) changes objects in place — so a
 * list referenced a million times is refused, not serialised; its size counts towards the render's.
 */
function normalise(value: unknown, budget: ExpressionBudget): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'function') return null;
  if (typeof value === 'object') {
    const size = new ExpressionBudget(budget.limits).sizeOf(value, budget.limits.outputSize);
    if (size > budget.limits.outputSize)
      throw new BudgetExceeded(`a result of more than ${budget.limits.outputSize} characters`);
    budget.addRendered(size);
    return JSON.parse(JSON.stringify(value));
  }
  if (typeof value === 'string') budget.addRendered(value.length);
  return value;
}

/** Text form of an interpolated value: strings as they are, null as empty, the rest as JSON. */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

async function renderString(
  text: string,
  context: RunContext,
  path: string,
  budget: ExpressionBudget,
): Promise<unknown> {
  const parsed = parseTemplate(text);
  if ('error' in parsed) throw new ExpressionError(parsed.error.message, path);
  const { segments } = parsed;
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only?.kind === 'expr') return evaluateExpression(only.source, context, path, budget);
  let out = '';
  for (const segment of segments as Segment[]) {
    if (segment.kind === 'expr') {
      out += toText(await evaluateExpression(segment.source, context, path, budget));
      continue;
    }
    out += segment.value;
    try {
      budget.addRendered(segment.value.length);
    } catch (err) {
      throw new ExpressionError((err as Error).message, path);
    }
  }
  return out;
}

/**
 * Renders every template inside a value (strings, arrays, objects, recursively). A string that is
 * exactly one `{{ … }}` keeps the expression's type; other strings become text. All its expressions
 * share one budget ({@link EXPRESSION_LIMITS}): steps, depth, string, list and result sizes.
 * @param path where the value sits in the definition, e.g. `steps[1].input`, for errors.
 * @param clock the run clock `$now()`, `$millis()` and `$random()` read (see {@link ExpressionClock});
 * without one (outside a run), JSONata's own.
 * @throws {ExpressionError} when an expression fails to parse or evaluate, or exceeds the budget
 * (its message then starts with `expression budget exceeded` and names the limit).
 */
export function render(value: unknown, context: RunContext, path: string, clock?: ExpressionClock): Promise<unknown> {
  return renderWithin(value, context, path, new ExpressionBudget(undefined, clock));
}

async function renderWithin(
  value: unknown,
  context: RunContext,
  path: string,
  budget: ExpressionBudget,
): Promise<unknown> {
  if (typeof value === 'string') return value.includes('{{') ? renderString(value, context, path, budget) : value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) out.push(await renderWithin(item, context, `${path}[${i}]`, budget));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = await renderWithin(item, context, `${path}.${key}`, budget);
    return out;
  }
  return value;
}

/** Strips one surrounding `{{ … }}` so conditions may be written either bare or as a template. */
export function conditionSource(condition: string): string {
  const trimmed = condition.trim();
  const parsed = parseTemplate(trimmed);
  if ('segments' in parsed && parsed.segments.length === 1 && parsed.segments[0]?.kind === 'expr') {
    return parsed.segments[0].source;
  }
  return trimmed;
}

/**
 * Evaluates an `if:` condition with JSONata's own truthiness (`$boolean`): empty strings, empty
 * arrays, 0, null and missing values are false. `clock` as for {@link render}.
 * @throws {ExpressionError} when the condition fails to parse or evaluate.
 */
export async function evaluateCondition(
  condition: string,
  context: RunContext,
  path: string,
  clock?: ExpressionClock,
): Promise<boolean> {
  const result = await evaluateExpression(
    `$boolean((${conditionSource(condition)}))`,
    context,
    path,
    new ExpressionBudget(undefined, clock),
  );
  return result === true;
}
