import { extendZodWithOpenApi } from '@hono/zod-openapi';
import { z } from 'zod';
import { AgentRecord } from './agent';
import {
  ApprovalStatus,
  AttemptStatus,
  DeliveryStatus,
  ErrorCode as ErrorCodeEnum,
  MessageDirection,
  MessageStatus,
  RunStatus,
  SkipReason,
  StepStatus,
  TriggerType,
} from './enums';
import { StepError as StepErrorShape } from './errors';
import { Decision, STEP_KINDS } from './steps';

/**
 * Bodies of every `/api` answer (and of `POST /hooks/{workflow}`), as zod schemas with OpenAPI
 * component names: the routes declare them (so `/api/openapi.json` describes real bodies), the
 * dashboard reads their types (`z.infer`, type-only), and the tests parse answers with them.
 * Times are ISO-8601 UTC strings (CONTRACT.md "HTTP API"). Importing this module extends zod with
 * `.openapi()` (@hono/zod-openapi).
 */

extendZodWithOpenApi(z); // a no-op when @hono/zod-openapi was imported first

/**
 * `schema.openapi(name)` for a schema built in another module: zod 4 copies methods onto a schema
 * when it is built, so one built before zod was extended has no `.openapi` of its own.
 */
function named<T extends z.ZodType>(schema: T, name: string): T {
  return (z.ZodType.prototype as unknown as { openapi: (this: T, name: string) => T }).openapi.call(schema, name);
}

/**
 * `schema` or null. (`.nullable()` on a named schema would make the component itself nullable:
 * zod-to-openapi keeps the name on the nullable copy.)
 */
const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

const Iso = z.string().describe('ISO-8601 UTC');
const IsoOrNull = Iso.nullable();

/** Closed set of error codes (see schemas/enums.ts). */
export const ErrorCode = named(ErrorCodeEnum, 'ErrorCode');

/** Every error answer: `{ error: { code, message, details? } }` (CONTRACT.md "Errors"). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('e.g. `issues: [{ path, message }]` for a refused definition or request'),
    }),
  })
  .openapi('Error');
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A failure recorded on a step attempt, a step or a run. */
export const StepError = named(StepErrorShape, 'StepError');
export type StepError = z.infer<typeof StepError>;

/** Token counts and cost (USD) an agent reported for one attempt. */
export const Usage = z
  .object({ inputTokens: z.number().optional(), outputTokens: z.number().optional(), costUsd: z.number().optional() })
  .openapi('Usage');
export type Usage = z.infer<typeof Usage>;

/** What started a run: `{ type, … }` with the trigger's own data (email, webhook, schedule). */
export const Trigger = z.looseObject({ type: TriggerType }).openapi('Trigger');

/** One attempt of a step. */
export const Attempt = z
  .object({
    attempt: z.number().int(),
    status: AttemptStatus,
    dispatchedAt: IsoOrNull,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    error: orNull(StepError),
    usage: orNull(Usage),
    provider: z.string().nullable(),
  })
  .openapi('Attempt');
export type Attempt = z.infer<typeof Attempt>;

/** One step instance of a run (`dive[2]` inside a foreach). */
export const Step = z
  .object({
    id: z.string(),
    kind: z.enum(STEP_KINDS),
    agent: z.string().optional(),
    parent: z.string().optional(),
    compensates: z.string().optional().describe('For a compensation step: the step it undoes'),
    compensation: z
      .enum(['succeeded', 'failed'])
      .optional()
      .describe('For a step with `compensate:`: how its compensation ended'),
    branch: z.string().optional().describe('switch: the chosen case'),
    status: StepStatus,
    attempts: z.number().int(),
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    input: z.unknown(),
    output: z.unknown(),
    error: orNull(StepError),
    skipReason: SkipReason.optional(),
    history: z.array(Attempt),
  })
  .openapi('Step');
export type Step = z.infer<typeof Step>;

/** A run's list entry (`GET /api/runs`), from the D1 index. */
export const RunSummary = z
  .object({
    id: z.string(),
    workflow: z.string(),
    version: z.number().int(),
    status: RunStatus,
    trigger: z.object({ type: TriggerType }),
    stepsDone: z.number().int(),
    stepsTotal: z.number().int(),
    createdAt: Iso,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    error: orNull(StepError),
  })
  .openapi('RunSummary');
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * A run without its steps (`GET /api/runs/{id}?steps=false`), from the D1 index. Strict (no other
 * keys), so an answer with `steps` can only be a {@link Run} and is checked as one.
 */
export const RunHead = z
  .strictObject({
    ...RunSummary.shape,
    createdAt: IsoOrNull,
    trigger: Trigger,
    input: z.unknown(),
    output: z.unknown(),
  })
  .openapi('RunHead');
export type RunHead = z.infer<typeof RunHead>;

/** One run with its steps (`GET /api/runs/{id}`); `steps` is empty before the run starts. */
export const Run = z.object({ ...RunHead.shape, steps: z.array(Step) }).openapi('Run');
export type Run = z.infer<typeof Run>;

export const RunList = z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() }).openapi('RunList');
export const RunStarted = z.object({ runId: z.string() }).openapi('RunStarted');
export const RunControlled = z.object({ runId: z.string(), status: RunStatus }).openapi('RunControlled');

/** A recorded email, as `GET /api/messages` lists it. */
export const Message = z
  .object({
    id: z.string(),
    direction: MessageDirection,
    status: MessageStatus,
    reason: z.string().optional(),
    runId: z.string().optional(),
    workflow: z.string().optional(),
    from: z.string(),
    to: z.string(),
    subject: z.string().nullable(),
    messageId: z.string().nullable(),
    deliveredMessageId: z
      .string()
      .optional()
      .describe("Outbound: the Message-ID the mail binding delivered with, when it replaced Baton's"),
    date: Iso,
    recordedAt: Iso,
  })
  .openapi('Message');
export type Message = z.infer<typeof Message>;

/** A recorded email with its threading headers and raw source (null when withheld from a non-admin, or not kept). */
export const MessageDetail = z
  .object({
    ...Message.shape,
    inReplyTo: z.string().nullable(),
    references: z.string().nullable(),
    raw: z.string().nullable(),
  })
  .openapi('MessageDetail');
export type MessageDetail = z.infer<typeof MessageDetail>;

export const MessageList = z
  .object({ messages: z.array(Message), nextCursor: z.string().nullable() })
  .openapi('MessageList');

/** One approval round (CONTRACT.md "HTTP API"). */
export const Approval = z
  .object({
    id: z.string(),
    runId: z.string(),
    stepId: z.string(),
    round: z.number().int(),
    workflow: z.string(),
    message: z.string(),
    options: z.array(z.string()),
    assignees: z.array(z.string()),
    quorum: z.number().int(),
    deadline: IsoOrNull,
    status: ApprovalStatus,
    decidedBy: z.string().nullable(),
    comment: z.string().nullable(),
    decidedAt: IsoOrNull,
    createdAt: Iso,
  })
  .openapi('Approval');
export type Approval = z.infer<typeof Approval>;

export const AuditEntry = z
  .object({ at: Iso, actor: z.string(), action: z.string(), details: z.unknown() })
  .openapi('AuditEntry');
export const ApprovalDetail = z.object({ ...Approval.shape, audit: z.array(AuditEntry) }).openapi('ApprovalDetail');
export const ApprovalDecided = z
  .object({
    id: z.string(),
    decision: Decision,
    stepStatus: StepStatus.nullable().describe(
      'The approval step after the decision: succeeded, failed (rejected), pending (changes requested) or still waiting (quorum)',
    ),
  })
  .openapi('ApprovalDecided');

/** A workflow's list entry. */
export const WorkflowSummary = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    latestVersion: z.number().int(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .openapi('WorkflowSummary');
export type WorkflowSummary = z.infer<typeof WorkflowSummary>;
export const WorkflowList = z.object({ workflows: z.array(WorkflowSummary) }).openapi('WorkflowList');

/** One version of a workflow with its definition (normalised: defaults applied) and the list of versions. */
export const WorkflowVersion = z
  .object({
    name: z.string(),
    version: z.number().int(),
    latestVersion: z.number().int(),
    description: z.string().nullable(),
    definition: z
      .record(z.string(), z.unknown())
      .describe('The validated definition; its format is /api/schema/workflow.json'),
    source: z.string().describe('The definition as registered'),
    sourceFormat: z.enum(['yaml', 'json']),
    createdAt: Iso,
    versions: z.array(z.object({ version: z.number().int(), createdAt: Iso, hash: z.string() })),
  })
  .openapi('WorkflowVersion');
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;
export const WorkflowRegistered = z
  .object({ name: z.string(), version: z.number().int() })
  .openapi('WorkflowRegistered');

/** A workflow's DAG, parallel groups and critical path, with estimated durations (ms). */
export const Plan = z
  .object({
    name: z.string(),
    version: z.number().int(),
    nodes: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        list: z.string(),
        parent: z.string().nullable(),
        needs: z.array(z.string()),
        estimateMs: z.number(),
        estimated: z.enum(['history', 'default', 'definition']),
      }),
    ),
    edges: z.array(z.object({ from: z.string(), to: z.string() })),
    groups: z.array(z.object({ list: z.string(), steps: z.array(z.string()) })),
    criticalPath: z.object({ steps: z.array(z.string()), estimateMs: z.number() }),
  })
  .openapi('Plan');
export type Plan = z.infer<typeof Plan>;

/** An agent as stored (`config` as given; secret header values redacted for non-admins). */
export const Agent = named(AgentRecord, 'Agent');
/** An agent's circuit breaker in the current window. */
export const Circuit = z
  .object({
    state: z.enum(['closed', 'open', 'half_open']),
    calls: z.number(),
    failureRate: z.number(),
    openedAt: IsoOrNull,
  })
  .openapi('Circuit');
/** An agent's attempts over a window: success rate 0–1, latency percentiles (ms), tokens, cost (USD). */
export const AgentStats = z
  .object({
    calls: z.number(),
    succeeded: z.number(),
    successRate: z.number().nullable(),
    p50Ms: z.number().nullable(),
    p95Ms: z.number().nullable(),
    costUsd: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
  })
  .openapi('AgentStats');
export type AgentStats = z.infer<typeof AgentStats>;
export const AgentWithCircuit = z.object({ ...AgentRecord.shape, circuit: Circuit }).openapi('AgentWithCircuit');
export const AgentHealth = z
  .object({ ...AgentRecord.shape, circuit: Circuit.optional(), stats: AgentStats.optional() })
  .openapi('AgentHealth');
export type Agent = z.infer<typeof AgentHealth>;
export const AgentList = z.object({ agents: z.array(AgentHealth) }).openapi('AgentList');

/** A schedule trigger with its next fire times. */
export const Schedule = z
  .object({
    workflow: z.string(),
    trigger: z.string(),
    cron: z.string(),
    timezone: z.string(),
    catchUp: z.boolean(),
    input: z.record(z.string(), z.unknown()),
    next: z.array(Iso),
  })
  .openapi('Schedule');
export type Schedule = z.infer<typeof Schedule>;

/** A stored secret: names and dates only, never its value. */
export const Secret = z.object({ name: z.string(), createdAt: Iso, updatedAt: Iso }).openapi('Secret');
export const SecretStored = z.object({ name: z.string(), updatedAt: Iso }).openapi('SecretStored');

/** A webhook request and what became of it. */
export const Delivery = z
  .object({
    id: z.string(),
    workflow: z.string(),
    deliveryId: z.string().nullable(),
    status: DeliveryStatus,
    reason: z.string().nullable(),
    runId: z.string().nullable(),
    headers: z.record(z.string(), z.string()).nullable().describe('Signatures and cookies left out'),
    bodySize: z.number().int().nullable(),
    receivedAt: Iso,
  })
  .openapi('Delivery');
export type Delivery = z.infer<typeof Delivery>;

export const EventsDelivered = z
  .object({ delivered: z.number().int().describe('How many waiting runs took the event') })
  .openapi('EventsDelivered');

const SeedOutcome = z.enum(['created', 'kept', 'switched']);
export const DemoReport = z
  .object({
    agents: z.record(z.string(), SeedOutcome),
    workflow: z.object({
      name: z.string(),
      outcome: z.enum(['created', 'kept', 'refused']),
      version: z.number().int().optional(),
      reason: z.string().optional(),
    }),
  })
  .openapi('DemoReport');

/** `POST /hooks/{workflow}` accepted: a run started, or the run of an earlier delivery (`duplicate`), or filtered out (`ignored`). */
export const WebhookAccepted = z
  .union([
    z.object({ runId: z.string(), duplicate: z.literal(true).optional() }),
    z.object({ ignored: z.literal(true), reason: z.string() }),
  ])
  .openapi('WebhookAccepted');
/** Slack's `url_verification` challenge, answered. */
export const WebhookChallenge = z.object({ challenge: z.unknown() }).openapi('WebhookChallenge');

export const Health = z.object({ ok: z.literal(true) }).openapi('Health');
