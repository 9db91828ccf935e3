import { compile, parseTemplate, type Segment } from './template';

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

async function evaluateExpression(source: string, context: RunContext, path: string): Promise<unknown> {
  try {
    const result = await compile(source).evaluate(context);
    return normalise(result);
  } catch (err) {
    throw new ExpressionError(`{{ ${source} }} failed: ${(err as Error).message}`, path);
  }
}

/** JSONata returns sequences as arrays tagged with extra properties; JSON round-tripping strips them. */
function normalise(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return JSON.parse(JSON.stringify(value));
  return value;
}

/** Text form of an interpolated value: strings as they are, null as empty, the rest as JSON. */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

async function renderString(text: string, context: RunContext, path: string): Promise<unknown> {
  const parsed = parseTemplate(text);
  if ('error' in parsed) throw new ExpressionError(parsed.error.message, path);
  const { segments } = parsed;
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only?.kind === 'expr') return evaluateExpression(only.source, context, path);
  let out = '';
  for (const segment of segments as Segment[]) {
    out += segment.kind === 'text' ? segment.value : toText(await evaluateExpression(segment.source, context, path));
  }
  return out;
}

/**
 * Renders every template inside a value (strings, arrays, objects, recursively). A string that is
 * exactly one `{{ … }}` keeps the expression's type; other strings become text.
 * @param path where the value sits in the definition, e.g. `steps[1].input`, for errors.
 * @throws {ExpressionError} when an expression fails to parse or evaluate.
 */
export async function render(value: unknown, context: RunContext, path: string): Promise<unknown> {
  if (typeof value === 'string') return value.includes('{{') ? renderString(value, context, path) : value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) out.push(await render(item, context, `${path}[${i}]`));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await render(item, context, `${path}.${key}`);
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
 * arrays, 0, null and missing values are false.
 * @throws {ExpressionError} when the condition fails to parse or evaluate.
 */
export async function evaluateCondition(condition: string, context: RunContext, path: string): Promise<boolean> {
  const result = await evaluateExpression(`$boolean((${conditionSource(condition)}))`, context, path);
  return result === true;
}
