import { z } from 'zod';
import { WorkflowDefinition } from './definition';

let cached: Record<string, unknown> | undefined;

/**
 * JSON Schema (draft 2020-12) of the workflow format, generated from the zod schema: served at
 * `GET /api/schema/workflow.json` for editors and given to the planner agent as its output schema.
 * Built once per isolate.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(WorkflowDefinition, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://baton.dev/schema/workflow.json',
    title: 'Baton workflow definition',
  };
  return cached;
}

let compact: Record<string, unknown> | undefined;

/**
 * The same schema with repeated parts written once under `$defs` (zod's `reused: 'ref'`), about a
 * sixth of the size: what the planner agent gets as its structured-output format.
 */
export function compactWorkflowJsonSchema(): Record<string, unknown> {
  compact ??= {
    ...z.toJSONSchema(WorkflowDefinition, { io: 'input', unrepresentable: 'any', reused: 'ref' }),
    title: 'Baton workflow definition',
  };
  return compact;
}
