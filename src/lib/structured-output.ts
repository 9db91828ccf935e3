import { Validator, type Schema } from '@cfworker/json-schema';
import type { Issue } from '../schemas/errors';

/** At most this many schema issues are kept (the first ones), for the repair turn and the error. */
const MAX_ISSUES = 20;

/** A model's JSON answer: the whole text, or the content of one fenced ```json block. */
function jsonText(text: string): string {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/i.exec(text);
  return (fenced ? fenced[1]! : text).trim();
}

/**
 * Checks a model's answer against the step's `output_schema` (JSON Schema 2020-12) with
 * @cfworker/json-schema, the eval-free validator (workerd has no `new Function`).
 * @returns the parsed object, or the issues at their JSON Pointer paths (RFC 6901: `/items/0/name`;
 * `''` is the whole answer). Leaf issues only: the validator also reports each enclosing keyword.
 */
export function checkAnswer(
  text: string,
  schema: Record<string, unknown>,
): { ok: true; output: unknown } | { ok: false; issues: Issue[] } {
  let value: unknown;
  try {
    value = JSON.parse(jsonText(text));
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `the answer is not JSON: ${(err as Error).message}` }] };
  }
  let result: ReturnType<Validator['validate']>;
  try {
    result = new Validator(schema as Schema, '2020-12', false).validate(value);
  } catch (err) {
    // A schema the validator cannot apply to this value (e.g. an unresolved $ref deep inside).
    return {
      ok: false,
      issues: [{ path: '', message: `output_schema could not be applied: ${(err as Error).message}` }],
    };
  }
  if (result.valid) return { ok: true, output: value };
  const errors = result.errors.filter(
    (e, i) => !result.errors.some((other, j) => j !== i && other.keywordLocation.startsWith(`${e.keywordLocation}/`)),
  );
  const issues = (errors.length ? errors : result.errors).slice(0, MAX_ISSUES).map((e) => ({
    path: e.instanceLocation.replace(/^#/, ''),
    message: e.error,
  }));
  return { ok: false, issues };
}

/**
 * Whether a schema can be used at all (registration refuses one that cannot): the validator
 * compiles it and validates a value with it.
 * @returns the problem, or null.
 */
export function schemaProblem(schema: Record<string, unknown>): string | null {
  try {
    new Validator(schema as Schema, '2020-12', false).validate(null);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
