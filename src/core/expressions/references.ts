import { compile, parseTemplate } from './template';
import { conditionSource } from './evaluate';
import { regexProblem } from './regex';

type Node = { type?: string; value?: unknown; [key: string]: unknown };

/** Keys of a JSONata AST node whose expressions run against the current item, not the root. */
const RELATIVE_KEYS = new Set(['stages', 'predicate', 'group']);

/** What an expression reads of the run context: the root names, and whether it reads the context whole. */
interface Reads {
  roots: Set<string>;
  /** `$` or `$$` appears: the expression may reach any name, so its root names alone do not bound it. */
  whole: boolean;
}

function collect(node: unknown, atRoot: boolean, reads: Reads): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, atRoot, reads);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if (n.type === 'name') {
    if (atRoot && typeof n.value === 'string') reads.roots.add(n.value);
  } else if (n.type === 'variable' && (n.value === '' || n.value === '$')) {
    reads.whole = true;
  } else if (n.type === 'path' && Array.isArray(n.steps)) {
    for (const [i, step] of n.steps.entries()) collect(step, atRoot && i === 0, reads);
  }
  for (const [key, child] of Object.entries(n)) {
    if (key === 'steps' && n.type === 'path') continue;
    if (key === 'value' || key === 'type' || key === 'position') continue;
    collect(child, atRoot && !RELATIVE_KEYS.has(key), reads);
  }
}

/**
 * Names a JSONata expression reads from the root of the run context, e.g. `research` and `inputs`
 * in `research.output & inputs.topic`. Names inside filters (`a[b = 1]`) are relative and not listed.
 * @throws the JSONata parse error for an invalid expression.
 */
export function expressionRoots(source: string): Set<string> {
  return expressionReads(source).roots;
}

/**
 * {@link expressionRoots}, and whether the expression reads the context whole (`$`, `$$`).
 * @throws the JSONata parse error for an invalid expression.
 */
export function expressionReads(source: string): Reads {
  const reads: Reads = { roots: new Set(), whole: false };
  collect(compile(source).ast(), true, reads);
  return reads;
}

/**
 * The names a step's own templates and conditions read (`if`, `wait_for_event.match`, every `{{ }}`
 * in its other fields, its child steps' included), or null when any of them reads the context
 * whole or cannot be parsed: then the step needs the whole context.
 */
export function namesReadBy(step: object): Set<string> | null {
  const names = new Set<string>();
  let bounded = true;
  const add = (source: string) => {
    try {
      const reads = expressionReads(source);
      if (reads.whole) bounded = false;
      for (const name of reads.roots) names.add(name);
    } catch {
      bounded = false;
    }
  };
  const visit = (value: unknown, isCondition: boolean): void => {
    if (typeof value === 'string') {
      if (isCondition) {
        add(conditionSource(value));
        return;
      }
      const parsed = parseTemplate(value);
      if ('error' in parsed) bounded = false;
      else for (const segment of parsed.segments) if (segment.kind === 'expr') add(segment.source);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, false);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, key === 'if' || key === 'match');
    }
  };
  visit(step, false);
  return bounded ? names : null;
}

/**
 * What in an expression can never run, found by walking its AST: a regex RE2 does not support
 * (backreferences, lookaround), a call of `$eval` (data is never evaluated as code).
 */
export function unsupportedIn(source: string): string[] {
  const problems: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== 'object' || node instanceof RegExp) return;
    const n = node as Node;
    if (n.type === 'regex' && n.value instanceof RegExp) {
      const problem = regexProblem(n.value);
      if (problem) problems.push(problem);
    }
    if (
      n.type === 'function' &&
      (n.procedure as Node | undefined)?.type === 'variable' &&
      (n.procedure as Node).value === 'eval'
    ) {
      problems.push('$eval is not available in templates: data is never evaluated as code');
    }
    for (const [key, child] of Object.entries(n)) if (key !== 'value' && key !== 'position') visit(child);
  };
  visit(compile(source).ast());
  return problems;
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
export function scanTemplates(
  value: unknown,
  path: string,
  asCondition = false,
): { uses: TemplateUse[]; problems: TemplateProblem[] } {
  const uses: TemplateUse[] = [];
  const problems: TemplateProblem[] = [];
  const visit = (v: unknown, p: string): void => {
    if (typeof v === 'string') {
      if (asCondition) {
        try {
          uses.push({ path: p, roots: expressionRoots(conditionSource(v)) });
          for (const message of unsupportedIn(conditionSource(v))) problems.push({ path: p, message });
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
        if (segment.kind !== 'expr') continue;
        uses.push({ path: p, roots: expressionRoots(segment.source) });
        for (const message of unsupportedIn(segment.source)) problems.push({ path: p, message });
      }
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) visit(item, `${p}[${i}]`);
    } else if (v && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) visit(item, `${p}.${key}`);
    }
  };
  visit(value, path);
  return { uses, problems };
}
