import { z } from 'zod';

/**
 * The workflow definition format (CONTRACT.md "Workflow definition"), as written in YAML or JSON.
 * This zod schema is the single source of truth: registration validates with it and
 * `GET /api/schema/workflow.json` serves the JSON Schema generated from it.
 */

/** A duration such as `500ms`, `30s`, `5m`, `2h` or `1d`. */
export const Duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m or 2h')
  .describe('A duration: a whole number followed by ms, s, m, h or d');

export const Identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits and _ (not starting with a digit)')
  .describe('A step id; templates read it as {{ <id>.output }}');

export const WorkflowName = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected lower-case letters, digits and single dashes')
  .max(64);

export const AgentName = z
  .string()
  .regex(/^[a-z0-9]+([-_][a-z0-9]+)*$/, 'expected lower-case letters, digits, - and _')
  .max(64);

/** Retry policy of a step; `max_attempts` counts the first attempt. */
export const RetryPolicy = z.strictObject({
  max_attempts: z.int().min(1).max(50).default(3),
  backoff: z.enum(['exponential', 'linear', 'none']).default('exponential'),
  initial_interval: Duration.default('1s'),
  max_interval: Duration.default('1m'),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** `fail` (default), `continue`, or the id of a step that handles the error. */
export const OnError = z.string().min(1).default('fail');

/** A value that may hold `{{ … }}` templates: text, or any JSON structure containing text. */
export const TemplateValue = z.unknown().describe('Text or JSON; strings may contain {{ JSONata }} templates');

/** Keys every step kind shares. */
const StepBase = {
  id: Identifier,
  needs: z.array(Identifier).optional().describe('Steps this one waits for; default: the step before it'),
  if: z.string().optional().describe('JSONata condition; false skips the step'),
  timeout: Duration.optional().describe('Per attempt, counted from dispatch; default 10m'),
  retry: RetryPolicy.optional(),
  on_error: OnError.optional(),
  description: z.string().optional(),
};

/** Calls a registered agent with the rendered `input`; the agent's answer is the step output. */
export const AgentStep = z.strictObject({
  ...StepBase,
  agent: AgentName,
  input: TemplateValue.optional(),
});
export type AgentStep = z.infer<typeof AgentStep>;

export const Step = AgentStep;
export type Step = AgentStep;

/** Step kinds of CONTRACT.md that this version does not run yet; refused with a clear message. */
export const PLANNED_STEP_KINDS = ['parallel', 'switch', 'foreach', 'approval', 'http', 'mcp', 'wait_for_event', 'sleep', 'workflow'] as const;

/** Starts a run when an email reaches `<alias>@<any domain routed to Baton>`. */
export const EmailTrigger = z.strictObject({
  email: z.strictObject({
    alias: z
      .string()
      .regex(/^[a-z0-9]+([._+-][a-z0-9]+)*$/, 'expected the local part of an address, e.g. competitor-intel')
      .max(64),
    allow: z
      .array(z.string().min(1))
      .optional()
      .describe('Sender address patterns such as *@example.com; when set, every other sender is refused'),
  }),
});
export const Trigger = EmailTrigger;
export type Trigger = z.infer<typeof Trigger>;

/** Trigger kinds of CONTRACT.md that this version does not fire yet. */
export const PLANNED_TRIGGER_KINDS = ['schedule', 'webhook'] as const;

export const InputSpec = z.strictObject({
  type: z.enum(['string', 'number', 'boolean', 'object', 'array']).default('string'),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().optional(),
});
export type InputSpec = z.infer<typeof InputSpec>;

export const WorkflowDefinition = z.strictObject({
  name: WorkflowName,
  description: z.string().optional(),
  triggers: z.array(Trigger).default([]),
  inputs: z.record(z.string(), InputSpec).default({}),
  vars: z.record(z.string(), z.unknown()).default({}).describe('Constants, read as {{ vars.<name> }}'),
  steps: z.array(Step).min(1, 'a workflow needs at least one step'),
  output: TemplateValue.optional().describe('The run output; default: the last step output'),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
/** The definition as written, before defaults are applied. */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;
