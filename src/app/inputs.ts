import { INPUT_TYPE_CHECKS, inputTypeOf, type WorkflowDefinition } from '../schemas/definition';
import type { Issue } from '../schemas/errors';

/**
 * Checks a run's input against the workflow's `inputs:` and applies defaults. Keys the workflow
 * does not declare are kept (templates may read them).
 * @returns the input with defaults, or issues located as `input.<name>`.
 */
export function resolveInputs(
  def: WorkflowDefinition,
  input: Record<string, unknown>,
): { inputs: Record<string, unknown> } | { issues: Issue[] } {
  const inputs = { ...input };
  const issues: Issue[] = [];
  for (const [name, spec] of Object.entries(def.inputs)) {
    if (inputs[name] === undefined && spec.default !== undefined) inputs[name] = spec.default;
    const value = inputs[name];
    if (value === undefined || value === null) {
      if (spec.required) issues.push({ path: `input.${name}`, message: `required ${spec.type} is missing` });
      continue;
    }
    if (!INPUT_TYPE_CHECKS[spec.type](value))
      issues.push({ path: `input.${name}`, message: `expected ${spec.type}, got ${inputTypeOf(value)}` });
  }
  return issues.length ? { issues } : { inputs };
}
