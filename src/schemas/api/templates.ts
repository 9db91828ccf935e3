import { z } from 'zod';
import { WorkflowName } from '../names';
import { Plan } from './workflows';

/** A template of the library (`GET /api/templates`). */
export const WorkflowTemplate = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    trigger: z.enum(['email', 'schedule', 'webhook']).describe('How its runs start'),
    vars: z
      .record(z.string(), z.object({ description: z.string(), default: z.union([z.string(), z.array(z.string())]) }))
      .describe('What `use` fills in; the default gives the type (a text, or a list of texts)'),
    source: z.string().describe('The definition with the default vars, as YAML (named after the template)'),
    plan: Plan.describe('Its graph: the DAG, parallel groups and critical path'),
  })
  .openapi('WorkflowTemplate');
export type WorkflowTemplate = z.infer<typeof WorkflowTemplate>;

/** `POST /api/templates/:id/use`. */
export const UseTemplate = z.object({
  name: WorkflowName.describe('The new workflow'),
  vars: z.record(z.string(), z.unknown()).default({}),
});
