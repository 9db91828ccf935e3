import { parseDefinitionText, validateDefinition } from '../../src/core/definition';
import { initialState, type RunState } from '../../src/core/engine';

/** Parses and validates a YAML definition; throws with the issues when it is invalid. */
export function validated(yaml: string) {
  const parsed = parseDefinitionText(yaml);
  if ('issues' in parsed) throw new Error(JSON.stringify(parsed.issues));
  const result = validateDefinition(parsed.value);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result;
}

/** The initial state of a run (`run_1`, started by the API) of a YAML definition. */
export function stateOf(yaml: string, inputs: Record<string, unknown> = {}): RunState {
  const { definition } = validated(yaml);
  return initialState({
    runId: 'run_1',
    workflow: definition.name,
    version: 1,
    definition,
    inputs,
    trigger: { type: 'api' },
    createdAt: 0,
  });
}
