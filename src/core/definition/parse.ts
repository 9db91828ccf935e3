import { parseDocument } from 'yaml';
import type { Issue } from '../../schemas/errors';

/**
 * Reads a definition's text. YAML 1.2 is a superset of JSON, so one parser (the `yaml` package)
 * reads both; syntax errors carry their line and column.
 * @returns the parsed value, or issues located as `line 3, column 5`.
 */
export function parseDefinitionText(text: string): { value: unknown } | { issues: Issue[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((err) => {
        const pos = err.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : '(document)';
        return { path: where, message: err.message.split('\n')[0] ?? err.message };
      }),
    };
  }
  return { value: doc.toJS({ maxAliasCount: 100 }) };
}
