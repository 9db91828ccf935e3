import { compile, parseTemplate } from './template';
import { conditionSource } from './evaluate';

type Node = { type?: string; value?: unknown; [key: string]: unknown };

/** Keys of a JSONata AST node whose expressions run against the current item, not the root. */
const RELATIVE_KEYS = new Set(['stages', 'predicate', 'group']);

function collect(node: unknown, atRoot: boolean, roots: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, atRoot, roots);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if (n.type === 'name') {
    if (atRoot && typeof n.value === 'string') roots.add(n.value);
  } else if (n.type === 'path' && Array.isArray(n.steps)) {
    n.steps.forEach((step, i) => collect(step, atRoot && i === 0, roots));
  }
  for (const [key, child] of Object.entries(n)) {
    if (key === 'steps' && n.type === 'path') continue;
    if (key === 'value' || key === 'type' || key === 'position') continue;
    collect(child, atRoot && !RELATIVE_KEYS.has(key), roots);
  }
}

/**
 * Names a JSONata expression reads from the root of the run context, e.g. `research` and `inputs`
 * in `research.output & inputs.topic`. Names inside filters (`a[b = 1]`) are relative and not listed.
 * @throws the JSONata parse error for an invalid expression.
 */
export function expressionRoots(source: string): Set<string> {
  const roots = new Set<string>();
  collect(compile(source).ast(), true, roots);
  return roots;
}

/** A problem found in the templates of a value, located by its path in the definition. */
export interface TemplateProblem {
  path: string;
  message: string;
}

/** What a value's templates read: the root names, with the path of each template. */
export interface TemplateUse {
  path: string;
  roots: Set<string>;
}

/**
 * Walks a value (string, array, object) and parses every template in it.
 * @returns the names each template reads, and the problems (unclosed braces, invalid JSONata).
 */
export function scanTemplates(value: unknown, path: string, asCondition = false): { uses: TemplateUse[]; problems: TemplateProblem[] } {
  const uses: TemplateUse[] = [];
  const problems: TemplateProblem[] = [];
  const visit = (v: unknown, p: string): void => {
    if (typeof v === 'string') {
      if (asCondition) {
        try {
          uses.push({ path: p, roots: expressionRoots(conditionSource(v)) });
        } catch (err) {
          problems.push({ path: p, message: `invalid condition: ${(err as Error).message}` });
        }
        return;
      }
      const parsed = parseTemplate(v);
      if ('error' in parsed) {
        problems.push({ path: p, message: `${parsed.error.message} (at character ${parsed.error.offset})` });
        return;
      }
      for (const segment of parsed.segments) {
        if (segment.kind === 'expr') uses.push({ path: p, roots: expressionRoots(segment.source) });
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${p}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) visit(item, `${p}.${key}`);
    }
  };
  visit(value, path);
  return { uses, problems };
}
