import { z } from 'zod';
import { RunPriority } from './enums';
import { Evaluate } from './evaluate';
import { FlowFields } from './flow';
import { notReservedSecret } from './secret-names';
import { PositiveDuration, Step, WorkflowName } from './steps';

/** The events `notify.on` may list. */
export const PROGRESS_EVENTS = ['started', 'step_succeeded', 'waiting', 'failed', 'completed'] as const;

export {
  AgentChoice,
  AgentName,
  AgentRef,
  AgentSelector,
  parseAgentRef,
  Duration,
  Identifier,
  PositiveDuration,
  RetryPolicy,
  Step,
  TemplateValue,
  WorkflowName,
  type StepKind,
} from './steps';

/**
 * The workflow definition format (CONTRACT.md "Workflow definition"), as written in YAML or JSON.
 * This zod schema is the single source of truth: registration validates with it and
 * `GET /api/schema/workflow.json` serves the JSON Schema generated from it.
 */

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
    priority: RunPriority.optional().describe('1 (lowest) to 10, default 5: the priority of the runs it starts'),
    require_auth: z
      .boolean()
      .optional()
      .describe(
        "Count a sender only when DKIM or SPF passes aligned with the From: domain (DMARC); overrides the deployment's EMAIL_AUTH",
      ),
  }),
});
/**
 * Starts a run when the Worker's `scheduled()` handler runs at a minute the cron expression
 * matches in `timezone` (IANA; default UTC). Expressions and zones are checked at registration.
 */
export const ScheduleTrigger = z.strictObject({
  schedule: z.strictObject({
    cron: z.string().min(1).describe('5 fields (minute hour day-of-month month day-of-week), croner syntax'),
    timezone: z.string().min(1).default('UTC').describe('IANA time zone the expression is read in, e.g. Europe/Berlin'),
    input: z.record(z.string(), z.unknown()).default({}).describe('The run input'),
    catch_up: z
      .boolean()
      .default(false)
      .describe('Replay the minutes missed while the Worker was down (at most 100 runs)'),
    priority: RunPriority.optional().describe('1 (lowest) to 10, default 5: the priority of the runs it starts'),
  }),
});

/** Starts a run on `POST /hooks/<workflow>` when the request's signature verifies (see src/lib/webhook-signatures). */
export const WebhookTrigger = z.strictObject({
  webhook: z.strictObject({
    signature: z
      .enum(['github', 'stripe', 'slack', 'hmac-sha256', 'none'])
      .describe('How deliveries are signed; none needs allow_unsigned: true'),
    secret: notReservedSecret(z.string().min(1))
      .optional()
      .describe(
        "Name of the secret holding the signing key (a stored secret, else a Worker secret); not one of Baton's own credentials",
      ),
    header: z.string().min(1).optional().describe('hmac-sha256: the header with the signature (default X-Signature)'),
    prefix: z.string().optional().describe('hmac-sha256: text before the signature, e.g. sha256='),
    encoding: z.enum(['hex', 'base64']).default('hex').describe('hmac-sha256: how the signature is written'),
    delivery_header: z
      .string()
      .min(1)
      .optional()
      .describe('hmac-sha256/none: the header with a delivery id; default: a hash of the body'),
    allow_unsigned: z.boolean().default(false),
    timestamp_header: z
      .string()
      .min(1)
      .optional()
      .describe(
        'hmac-sha256: a header with the send time in Unix seconds; when set, the signature covers "<timestamp>.<body>" and a timestamp off by more than tolerance answers 401',
      ),
    tolerance: PositiveDuration.default('5m').describe(
      'stripe, and hmac-sha256 with timestamp_header: largest accepted clock difference (slack: always 5 minutes)',
    ),
    filter: z.string().optional().describe('JSONata condition over { body, headers }; false ignores the delivery'),
    input: z.record(z.string(), z.unknown()).optional().describe('The run input: templates over { body, headers }'),
    max_bytes: z
      .int()
      .min(1)
      .max(1_048_576)
      .default(262_144)
      .describe('Largest body accepted, bytes; larger ones answer 413'),
    priority: RunPriority.optional().describe('1 (lowest) to 10, default 5: the priority of the runs it starts'),
  }),
});

export type WebhookTrigger = z.infer<typeof WebhookTrigger>;

export const Trigger = z.union([EmailTrigger, ScheduleTrigger, WebhookTrigger]);
export type Trigger = z.infer<typeof Trigger>;

/** Trigger kinds of CONTRACT.md that this version does not fire yet. */
export const PLANNED_TRIGGER_KINDS: readonly string[] = [];

/** The types an input may declare, each with the check its values must pass (a number is finite). */
export const INPUT_TYPE_CHECKS = {
  string: (v: unknown) => typeof v === 'string',
  number: (v: unknown) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v: unknown) => typeof v === 'boolean',
  object: (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v),
  array: (v: unknown) => Array.isArray(v),
} as const satisfies Record<string, (v: unknown) => boolean>;

/** The JSON type of a value as an input check names it (`null`, `array`, `object`, `string`…). */
export function inputTypeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** A declared input; a `default` must be of its `type` (null, like a missing default, means none). */
export const InputSpec = z
  .strictObject({
    type: z.enum(['string', 'number', 'boolean', 'object', 'array']).default('string'),
    required: z.boolean().default(false),
    default: z.unknown().optional(),
    description: z.string().optional(),
  })
  .refine((spec) => spec.default === undefined || spec.default === null || INPUT_TYPE_CHECKS[spec.type](spec.default), {
    path: ['default'],
    error: (issue) => {
      const spec = issue.input as { type?: string; default: unknown };
      return `the default is ${inputTypeOf(spec.default)}, not the declared type ${spec.type ?? 'string'}`;
    },
  });
export type InputSpec = z.infer<typeof InputSpec>;

/**
 * Cost limits of a workflow, USD: `usd` per run, `usd_per_day` for all its runs per UTC day. Before
 * a step would start past a limit the run pauses and asks the workflow's `owners` to approve going
 * on (`on_exceed: pause`, default), or fails with `budget_exceeded` (`on_exceed: fail`).
 */
export const Budget = z
  .strictObject({
    usd: z.number().positive().max(1_000_000).optional().describe('Most a run may cost, USD'),
    usd_per_day: z
      .number()
      .positive()
      .max(1_000_000)
      .optional()
      .describe("Most the workflow's runs may cost per UTC day together, USD"),
    on_exceed: z.enum(['pause', 'fail']).default('pause'),
  })
  .refine((b) => b.usd !== undefined || b.usd_per_day !== undefined, {
    message: 'a budget needs usd or usd_per_day',
  });
export type Budget = z.infer<typeof Budget>;

/** Workflow-level fields; `steps` is validated step by step (see core/definition/validate). */
export const WorkflowFields = {
  name: WorkflowName,
  description: z.string().optional(),
  triggers: z.array(Trigger).default([]),
  inputs: z.record(z.string(), InputSpec).default({}),
  vars: z.record(z.string(), z.unknown()).default({}).describe('Constants, read as {{ vars.<name> }}'),
  timeout: PositiveDuration.optional().describe('Run-level timeout: the run fails with run_timeout when it passes'),
  on_cancel: z
    .enum(['compensate', 'stop'])
    .optional()
    .describe(
      'On cancel: `stop` (default) ends the run at once; `compensate` first runs the compensations of the steps that succeeded, as after a failure',
    ),
  output: z.unknown().optional().describe('The run output (templates allowed); default: the last step output'),
  owners: z
    .array(z.email())
    .max(20)
    .optional()
    .describe('Addresses that own the workflow: they decide its budget approvals and get its alerts'),
  budget: Budget.optional(),
  evaluate: Evaluate.optional(),
  notify: z
    .strictObject({
      on: z
        .array(z.enum(PROGRESS_EVENTS))
        .min(1)
        .refine((on) => new Set(on).size === on.length, { error: 'each event once' })
        .describe('What an email-started run tells its requester in the thread, at most one email a minute'),
    })
    .optional()
    .describe('Progress emails (issue 20): short in-thread updates so long runs are not silent'),
  priority: RunPriority.optional().describe(
    "1 (lowest) to 10, default 5: the priority of this workflow's runs where runs or attempts wait (a trigger's or start's own priority wins)",
  ),
  ...FlowFields,
};

export const WorkflowDefinition = z.strictObject({
  ...WorkflowFields,
  steps: z.array(Step).min(1, 'a workflow needs at least one step'),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
/** The definition as written, before defaults are applied. */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;
