import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { useEffect, useMemo, useRef } from 'react';
import { formatPath, parseSource, pointerPath, type LineIssue } from '../yaml-lines';

/**
 * The most specific schema errors: those whose location is not an ancestor of another error's
 * (a failed `anyOf` reports every branch and the parent; the deepest say what is wrong).
 */
function specific(errors: OutputUnit[]): OutputUnit[] {
  const deepest = errors.filter(
    (e) => !errors.some((o) => o !== e && o.instanceLocation.startsWith(`${e.instanceLocation}/`)),
  );
  const seen = new Set<string>();
  return deepest.filter((e) => {
    const key = `${e.instanceLocation} ${e.error}`;
    if (
      seen.has(key) ||
      e.keyword === 'anyOf' ||
      e.keyword === 'oneOf' ||
      e.keyword === 'properties' ||
      e.keyword === 'items'
    )
      return false;
    seen.add(key);
    return true;
  });
}

/** Syntax and JSON Schema problems of a definition's text, each at its line. */
export function validateSource(text: string, schema: object | undefined): LineIssue[] {
  const parsed = parseSource(text);
  if (parsed.syntaxErrors.length || !schema) return parsed.syntaxErrors;
  const result = new Validator(schema as never, '2020-12', false).validate(parsed.value);
  if (result.valid) return [];
  return specific(result.errors)
    .slice(0, 20)
    .map((e) => {
      const path = pointerPath(e.instanceLocation);
      return { line: parsed.lineOf(path), path: formatPath(path), message: e.error };
    });
}

/**
 * A plain-text editor of a YAML definition with line numbers; `issues` (from {@link validateSource}
 * or the API) are listed under it and marked in the gutter at their lines.
 */
export function YamlEditor({
  value,
  onChange,
  issues,
  label = 'Definition (YAML)',
}: {
  value: string;
  onChange: (text: string) => void;
  issues: LineIssue[];
  label?: string;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = useMemo(() => value.split('\n').length, [value]);
  const bad = useMemo(() => new Set(issues.map((i) => i.line)), [issues]);
  useEffect(() => {
    const el = area.current;
    const sync = () => {
      if (gutter.current && el) gutter.current.scrollTop = el.scrollTop;
    };
    el?.addEventListener('scroll', sync);
    return () => el?.removeEventListener('scroll', sync);
  }, []);
  const goTo = (line: number) => {
    const el = area.current;
    if (!el) return;
    const offset = value
      .split('\n')
      .slice(0, line - 1)
      .reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(offset, offset + (value.split('\n')[line - 1]?.length ?? 0));
  };
  return (
    <div className="editor">
      <label htmlFor="definition-editor">{label}</label>
      <div className="editor-body">
        <div className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={bad.has(i + 1) ? 'bad' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id="definition-editor"
          ref={area}
          value={value}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={issues.length > 0}
          aria-describedby="definition-issues"
          rows={Math.min(Math.max(lines, 12), 32)}
        />
      </div>
      <ul id="definition-issues" className="issues" aria-label="Problems" aria-live="polite">
        {issues.length === 0 ? (
          <li className="ok">No problems found.</li>
        ) : (
          issues.map((i, n) => (
            <li key={n}>
              <button type="button" className="link" onClick={() => goTo(i.line)}>
                Line {i.line}
              </button>
              : <code>{i.path}</code> {i.message}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}
