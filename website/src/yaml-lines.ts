export { formatPath } from '../../src/core/definition/path';
import { LineCounter, parseDocument, type Document } from 'yaml';

/** A problem in a definition, located at a 1-based line of its text. */
export interface LineIssue {
  line: number;
  path: string;
  message: string;
}

/** A definition's text parsed for editing: its value, its syntax errors, and a way from a path to its line. */
export interface ParsedSource {
  value: unknown;
  syntaxErrors: LineIssue[];
  /** The 1-based line of the value at `path` (e.g. `['steps', 1, 'input']`), or of its nearest ancestor. */
  lineOf(path: (string | number)[]): number;
}

/** Parses YAML (JSON is YAML) with line positions (the `yaml` library's LineCounter). */
export function parseSource(text: string): ParsedSource {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntaxErrors = doc.errors.map((e) => ({
    line: lines.linePos(e.pos[0]).line,
    path: '(syntax)',
    message: e.message.split('\n')[0]!,
  }));
  return {
    value: syntaxErrors.length ? undefined : doc.toJS(),
    syntaxErrors,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
      }
      return 1;
    },
  };
}

/** `steps[1].input` (the API's issue paths) → `['steps', 1, 'input']`. */
export function splitPath(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)]
    .map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!))
    .filter((p) => p !== '(root)');
}

/** `#/steps/1/input` (JSON Pointer, RFC 6901, as JSON Schema validators report it) → `['steps', 1, 'input']`. */
export function pointerPath(pointer: string): (string | number)[] {
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
