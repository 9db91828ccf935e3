import { z } from 'zod';
import { AgentPreference } from './enums';
import { AgentRef, WorkflowName } from './names';
import { OutboundUrlTemplate } from './outbound-url';
import { AgentLoopFields } from './tools';

/**
 * Step kinds of the workflow format (CONTRACT.md "Step kinds"). Each kind is built by
 * `stepKinds(child)`, so the same definitions serve the deep schema (children are steps, used for
 * types and the JSON Schema) and the shallow one (children unchecked, used to report each nested
 * step's errors at its own path).
 */

/** A duration such as `500ms`, `30s`, `5m`, `2h` or `1d`. */
export const Duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m or 2h')
  .describe('A duration: a whole number followed by ms, s, m, h or d');

/** A duration longer than zero, for timeouts, deadlines and tolerances (`0s` would end at once). */
export const PositiveDuration = z
  .string()
  .regex(/^\d*[1-9]\d*(ms|s|m|h|d)$/, 'expected a duration longer than 0, such as 30s, 5m or 2h')
  .describe('A duration longer than 0: a whole number followed by ms, s, m, h or d');

export const Identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits and _ (not starting with a digit)')
  .describe('A step id; templates read it as {{ <id>.output }}');

export { AgentName, AgentRef, parseAgentRef, WorkflowName } from './names';

/**
 * An agent step that picks its agent at dispatch: among the active agents with `skill` (and
 * `domain`) whose circuit is closed, ordered by `prefer` (ties by name); with `fallback` (default),
 * a retryable failure after the agent's retries, or an open circuit, moves on to the next one.
 */
export const AgentSelector = z.strictObject({
  skill: z.string().min(1).max(64),
  domain: z.string().min(1).max(64).optional(),
  prefer: AgentPreference.default('cheapest'),
  fallback: z.boolean().default(true),
});
export type AgentSelector = z.infer<typeof AgentSelector>;

/** What an agent step calls: a registered agent (`name`, `name@N`) or a selection by skill. */
export const AgentChoice = z.union([AgentRef, AgentSelector]);
export type AgentChoice = z.infer<typeof AgentChoice>;

/** Retry policy of a step; `max_attempts` counts the first attempt. */
export const RetryPolicy = z.strictObject({
  max_attempts: z.int().min(1).max(50).default(3),
  backoff: z.enum(['exponential', 'linear', 'none']).default('exponential'),
  initial_interval: Duration.default('1s'),
  max_interval: Duration.default('1m'),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** A value that may hold `{{ … }}` templates: text, or any JSON structure containing text. */
export const TemplateValue = z.unknown().describe('Text or JSON; strings may contain {{ JSONata }} templates');

const common = {
  needs: z
    .array(Identifier)
    .optional()
    .describe('Steps of the same list this one waits for; default: the step before it'),
  if: z.string().optional().describe('JSONata condition; false skips the step'),
  timeout: PositiveDuration.optional().describe(
    'Per attempt (leaf steps) or for the whole block; default 10m for leaf steps',
  ),
  retry: RetryPolicy.optional(),
  on_error: z
    .string()
    .min(1)
    .optional()
    .describe('fail (default), continue, or the id of a step in the same list that handles the error'),
  description: z.string().optional(),
};

/** Leaf kinds: the ones an attempt executes (and a `compensate:` may use). */
function leafKinds() {
  return {
    agent: { agent: AgentChoice, input: TemplateValue.optional(), ...AgentLoopFields },
    http: {
      http: z.strictObject({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('POST'),
        url: OutboundUrlTemplate.describe('http(s) URL; may contain templates'),
        headers: z.record(z.string(), z.string()).optional(),
        body: TemplateValue.optional(),
      }),
    },
    mcp: {
      mcp: z.strictObject({
        server: OutboundUrlTemplate.describe('http(s) URL of the MCP server (Streamable HTTP); may contain templates'),
        tool: z.string().min(1),
        arguments: TemplateValue.optional(),
        headers: z.record(z.string(), z.string()).optional(),
      }),
    },
    workflow: { workflow: WorkflowName, version: z.int().positive().optional(), input: TemplateValue.optional() },
  } as const;
}

/** Decisions on an approval. */
export const Decision = z.enum(['approve', 'reject', 'request_changes']);
export type Decision = z.infer<typeof Decision>;

/** An `approval:` step (CONTRACT.md): people decide by email reply, signed link, API or dashboard. */
export const ApprovalSpec = z.strictObject({
  assignees: z.array(z.email()).min(1).describe('Addresses that may decide; each gets the approval email'),
  message: z.string().min(1).describe('What to decide (template); sent with the options and signed links'),
  options: z
    .array(Decision)
    .min(1)
    .optional()
    .describe('Default: approve and reject, plus request_changes when on_request_changes is set'),
  deadline: PositiveDuration.optional().describe('When it passes, on_timeout decides'),
  on_timeout: z.enum(['approve', 'reject']).default('reject'),
  on_request_changes: Identifier.optional().describe(
    'An earlier step of the same list to run again; it reads the comment as {{ <approval id>.comment }}',
  ),
  quorum: z.int().min(1).default(1).describe('How many assignees must approve; any reject rejects'),
  escalate: z
    .strictObject({ after: PositiveDuration, to: z.array(z.email()).min(1) })
    .optional()
    .describe('Re-notify these addresses when no decision came after this long'),
});
export type ApprovalSpec = z.infer<typeof ApprovalSpec>;

/** The kind of a step is the one kind key it has. */
export const LEAF_KINDS = ['agent', 'http', 'mcp', 'workflow'] as const;
export const STEP_KINDS = [
  'agent',
  'http',
  'mcp',
  'workflow',
  'sleep',
  'wait_for_event',
  'approval',
  'parallel',
  'switch',
  'foreach',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** A `compensate:` step: a leaf step whose id defaults to `<step id>_compensate`. */
export const CompensateStep = z.union(
  Object.values(leafKinds()).map((fields) =>
    z.strictObject({
      id: Identifier.optional(),
      ...fields,
      timeout: PositiveDuration.optional(),
      retry: RetryPolicy.optional(),
    }),
  ),
);

/** The schemas of every step kind, with `child` as the schema of nested steps. */
export function stepKinds<C extends z.ZodType>(child: C) {
  const base = { id: Identifier, ...common, compensate: CompensateStep.optional() };
  const leaf = leafKinds();
  return {
    agent: z.strictObject({ ...base, ...leaf.agent }),
    http: z.strictObject({ ...base, ...leaf.http }),
    mcp: z.strictObject({ ...base, ...leaf.mcp }),
    workflow: z.strictObject({ ...base, ...leaf.workflow }),
    sleep: z.strictObject({ ...base, sleep: Duration }),
    wait_for_event: z.strictObject({
      ...base,
      wait_for_event: z.strictObject({
        type: z.string().min(1),
        match: z.string().optional().describe('JSONata condition over {{ event }} and the run context'),
        timeout: PositiveDuration.optional(),
      }),
    }),
    approval: z.strictObject({ ...base, approval: ApprovalSpec }),
    parallel: z
      .strictObject({
        ...base,
        parallel: z
          .array(child)
          .min(1)
          .max(1000, 'at most 1000 parallel children (use foreach with concurrency for more)'),
        wait_for: z.union([z.enum(['all', 'any']), z.int().positive()]).default('all'),
      })
      .refine(
        (block) =>
          typeof block.wait_for !== 'number' ||
          !Array.isArray(block.parallel) ||
          block.wait_for <= block.parallel.length,
        {
          path: ['wait_for'],
          error: (issue) => {
            const block = issue.input as { wait_for: number; parallel: unknown[] };
            return `wait_for: ${block.wait_for} can never be met by ${block.parallel.length} child${block.parallel.length === 1 ? '' : 'ren'}`;
          },
        },
      ),
    switch: z.strictObject({
      ...base,
      switch: z.string().min(1).describe('A template; its value selects the case'),
      cases: z.record(z.string(), z.array(child).min(1)),
      default: z.array(child).min(1).optional(),
    }),
    foreach: z.strictObject({
      ...base,
      foreach: TemplateValue.describe('A template giving a list; each element is {{ item }}, its position {{ index }}'),
      concurrency: z.int().min(1).max(1000).default(10),
      do: z.array(child).min(1),
    }),
  };
}

/** The kind of a raw step (its first kind key), or undefined. */
export function kindOf(raw: unknown): StepKind | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  return STEP_KINDS.find((k) => k in raw);
}

/** Shallow schemas: each kind with nested steps left unchecked (validated one by one). */
export const SHALLOW_KINDS = stepKinds(z.unknown());

type Kinds = typeof SHALLOW_KINDS;
type Out<K extends keyof Kinds> = Omit<z.output<Kinds[K]>, 'parallel' | 'cases' | 'default' | 'do'>;

/** A validated step, with defaults applied. */
export type Step =
  | Out<'agent'>
  | Out<'http'>
  | Out<'mcp'>
  | Out<'workflow'>
  | Out<'sleep'>
  | Out<'wait_for_event'>
  | Out<'approval'>
  | (Out<'parallel'> & { parallel: Step[] })
  | (Out<'switch'> & { cases: Record<string, Step[]>; default?: Step[] })
  | (Out<'foreach'> & { do: Step[] });

/** Deep schema of one step: a union of the kinds, nested steps included. */
export const Step: z.ZodType<Step> = z.lazy(() =>
  z.union(Object.values(stepKinds(Step)) as unknown as [z.ZodType<Step>, z.ZodType<Step>]),
) as z.ZodType<Step>;

/** The step kinds of CONTRACT.md that this version does not run yet; refused with a clear message. */
export const PLANNED_STEP_KINDS: readonly string[] = [];
