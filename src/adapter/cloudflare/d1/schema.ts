import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import {
  AgentProvider,
  AgentStatus,
  PlanStatus,
  ApprovalStatus,
  DeliveryStatus,
  MessageDirection,
  MessageStatus,
  RunStatus,
  StepStatus,
  AttemptStatus,
  TriggerType,
} from '../../../schemas/enums';
import { createdAt, tenantId, values } from './columns';
import type { AgentCapabilities, AgentLoop, AgentRegistrySettings, ToolCallRef } from '../../../schemas/agent';
import type { ParentLink } from '../../../ports';
import { type FlowHold, QueueReason } from '../../../schemas/flow';
import type { PinnedAgent } from '../../../core/engine/index';

/**
 * D1 tables: the catalogue (workflows, versions, triggers, agents, secrets, API keys) and the index
 * of runs, step attempts and messages. Every table carries `tenant_id`. Times are ISO-8601 UTC text.
 * Migrations are generated from this file with `npm run db:generate` (drizzle-kit).
 */

export * from './schema-access';
export * from './schema-analytics';
export * from './schema-alerts';

export const workflows = sqliteTable(
  'workflows',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    description: text('description'),
    latestVersion: integer('latest_version').notNull(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
    /** Set by `DELETE /api/workflows/:name`: no new runs, its triggers removed, its history kept. */
    archivedAt: text('archived_at'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export const workflowVersions = sqliteTable(
  'workflow_versions',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    /** The definition as registered (YAML or JSON text). */
    source: text('source').notNull(),
    sourceFormat: text('source_format', { enum: ['yaml', 'json'] }).notNull(),
    /** The validated definition with defaults applied, JSON. */
    definition: text('definition', { mode: 'json' }).notNull(),
    /** SHA-256 of `definition`, to make re-registering the same definition a no-op. */
    hash: text('hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name, t.version] })],
);

/** Routing of triggers to workflows; for `email` the key is the alias (local part). */
export const triggers = sqliteTable(
  'triggers',
  {
    tenantId: tenantId(),
    type: text('type', { enum: values(TriggerType) }).notNull(),
    key: text('key').notNull(),
    workflowName: text('workflow_name').notNull(),
    config: text('config', { mode: 'json' }).notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.type, t.key] }),
    index('triggers_workflow').on(t.tenantId, t.workflowName),
  ],
);

export const agents = sqliteTable(
  'agents',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    provider: text('provider', { enum: values(AgentProvider) }).notNull(),
    description: text('description'),
    /** The capabilities object; rows written before the registry hold a flat list of skills. */
    capabilities: text('capabilities', { mode: 'json' }).$type<AgentCapabilities | string[]>().notNull(),
    config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The agent's loop keys (`tools`, `output_schema`, `max_turns`, `max_tool_calls`), or null. */
    loop: text('loop', { mode: 'json' }).$type<AgentLoop>(),
    /** The current version (the newest row of `agent_versions`). */
    version: integer('version').notNull().default(1),
    status: text('status', { enum: values(AgentStatus) })
      .notNull()
      .default('active'),
    /** pricing, max_concurrency, timeout, retry, replaced_by; null when none is set. */
    settings: text('settings', { mode: 'json' }).$type<AgentRegistrySettings>(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] }), index('agents_status').on(t.tenantId, t.status)],
);

/** Every version of every agent, immutable: a run calls the versions current when it started. */
export const agentVersions = sqliteTable(
  'agent_versions',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    /** The whole record of this version (provider, config, capabilities, loop keys, settings), JSON. */
    record: text('record', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name, t.version] })],
);

/**
 * Every secret name a webhook trigger of the tenant was ever registered with as its `secret`, and the
 * first workflow that did: such a secret only verifies deliveries and is never sent anywhere (rows
 * are kept when the workflow changes or is archived, so no later version can free it).
 */
export const signingSecrets = sqliteTable(
  'signing_secrets',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    workflowName: text('workflow_name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export const secrets = sqliteTable(
  'secrets',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    /** AES-GCM ciphertext, base64. */
    ciphertext: text('ciphertext').notNull(),
    /** AES-GCM nonce, base64. */
    iv: text('iv').notNull(),
    /** Hosts (lower case) the secret may be sent to; empty: none (it is only read, e.g. to check webhook signatures). */
    hosts: text('hosts', { mode: 'json' }).$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

/** One row per run, mirrored from its RunObject (the truth while the run is live). */
export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    workflowName: text('workflow_name').notNull(),
    version: integer('version').notNull(),
    status: text('status', { enum: values(RunStatus) }).notNull(),
    triggerType: text('trigger_type', { enum: values(TriggerType) }).notNull(),
    trigger: text('trigger', { mode: 'json' }).notNull(),
    input: text('input', { mode: 'json' }).notNull(),
    output: text('output', { mode: 'json' }),
    error: text('error', { mode: 'json' }),
    idempotencyKey: text('idempotency_key'),
    /** A sub-workflow run's parent step `{ runId, stepId, attempt }`, so a lost start can be repeated exactly. */
    /** For a child run: the parent's step (and tool call, for an agent's `agent` or `workflow` tool). */
    parent: text('parent', { mode: 'json' }).$type<ParentLink>(),
    /** Debug mode (pause before every step), kept for the same reason. */
    debug: integer('debug', { mode: 'boolean' }).notNull().default(false),
    /** 1 (lowest) to 10: the order in which waiting runs and attempts go on. */
    priority: integer('priority').notNull().default(5),
    /** The agents pinned at start (name → version and step defaults), kept so a lost start is repeated exactly. */
    agents: text('agents', { mode: 'json' }).$type<Record<string, PinnedAgent>>(),
    /**
     * Why a queued run has not started (`concurrency`, `throttle`): its flow
     * control object starts it; the start sweeper leaves such runs alone. Null once started.
     */
    queueReason: text('queue_reason', { enum: values(QueueReason) }),
    /** The flow-control objects (gates) the run holds a place in, released when it ends (src/schemas/flow.ts). */
    flow: text('flow', { mode: 'json' }).$type<FlowHold[]>(),
    stepsTotal: integer('steps_total').notNull().default(0),
    stepsDone: integer('steps_done').notNull().default(0),
    createdAt: createdAt(),
    startedAt: text('started_at'),
    endedAt: text('ended_at'),
  },
  (t) => [
    index('runs_tenant_created').on(t.tenantId, t.createdAt, t.id),
    index('runs_workflow_created').on(t.tenantId, t.workflowName, t.createdAt),
    index('runs_status_created').on(t.tenantId, t.status, t.createdAt),
    uniqueIndex('runs_idempotency').on(t.tenantId, t.idempotencyKey),
    /** The start sweeper's scan over every tenant: queued runs, oldest first. */
    index('runs_status_sweep').on(t.status, t.createdAt),
  ],
);

/** One row per step attempt, mirrored from the RunObject. */
export const stepAttempts = sqliteTable(
  'step_attempts',
  {
    tenantId: tenantId(),
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status', { enum: values(AttemptStatus) }).notNull(),
    stepStatus: text('step_status', { enum: values(StepStatus) }).notNull(),
    agent: text('agent'),
    provider: text('provider'),
    error: text('error', { mode: 'json' }),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: real('cost_usd'),
    /** For a step that selects its agent by skill: what was chosen and why. */
    selection: text('selection', { mode: 'json' }),
    dispatchedAt: text('dispatched_at').notNull(),
    startedAt: text('started_at'),
    endedAt: text('ended_at'),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.stepId, t.attempt] }),
    index('step_attempts_agent').on(t.tenantId, t.agent, t.dispatchedAt),
  ],
);

/** Every email in and out (CONTRACT.md "Email"). */
export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    direction: text('direction', { enum: values(MessageDirection) }).notNull(),
    status: text('status', { enum: values(MessageStatus) }).notNull(),
    reason: text('reason'),
    runId: text('run_id'),
    workflowName: text('workflow_name'),
    from: text('from_addr').notNull(),
    to: text('to_addr').notNull(),
    subject: text('subject'),
    /** The Message-ID Baton wrote (outbound) or the message carries (inbound). */
    messageId: text('message_id'),
    /** Outbound: the Message-ID the `send_email` binding says it delivered with, when it replaced Baton's. */
    deliveredMessageId: text('delivered_message_id'),
    /** Outbound: the id of the signed reply address (`Reply-To: <alias>+<token>@…`), lower-case hex. */
    replyToken: text('reply_token'),
    /** Outbound: the approval round an approval email asks about. */
    approvalId: text('approval_id'),
    inReplyTo: text('in_reply_to'),
    references: text('references'),
    /** The message's Date header, or the time it was received/sent. */
    date: text('date').notNull(),
    raw: text('raw'),
    rawSize: integer('raw_size'),
    createdAt: createdAt(),
  },
  (t) => [
    index('messages_tenant_created').on(t.tenantId, t.createdAt, t.id),
    index('messages_message_id').on(t.tenantId, t.direction, t.messageId),
    index('messages_delivered_message_id').on(t.tenantId, t.direction, t.deliveredMessageId),
    index('messages_reply_token').on(t.tenantId, t.replyToken),
    index('messages_run').on(t.runId),
    index('messages_status').on(t.tenantId, t.direction, t.status, t.createdAt),
  ],
);

/** Steps waiting in `wait_for_event`, so `POST /api/events` finds their runs by event type. */
export const eventWaits = sqliteTable(
  'event_waits',
  {
    tenantId: tenantId(),
    eventType: text('event_type').notNull(),
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepId] }), index('event_waits_type').on(t.tenantId, t.eventType)],
);

/** Approval rounds (one row per round of an `approval:` step), for the inbox and the API. */
export const approvals = sqliteTable(
  'approvals',
  {
    /** `<runId>:<step instance key>:<round>`. */
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    round: integer('round').notNull(),
    /** For the approval of an agent's tool call: which call (turn, call id, tool name); null for approval steps. */
    toolCall: text('tool_call', { mode: 'json' }).$type<ToolCallRef>(),
    /** What is asked: an approval step (`step`), an agent's tool call (`tool`), going past a budget (`budget`). */
    kind: text('kind', { enum: ['step', 'tool', 'budget'] })
      .notNull()
      .default('step'),
    workflowName: text('workflow_name').notNull(),
    message: text('message').notNull(),
    options: text('options', { mode: 'json' }).$type<string[]>().notNull(),
    assignees: text('assignees', { mode: 'json' }).$type<string[]>().notNull(),
    quorum: integer('quorum').notNull(),
    deadline: text('deadline'),
    status: text('status', { enum: values(ApprovalStatus) }).notNull(),
    decidedBy: text('decided_by'),
    comment: text('comment'),
    decidedAt: text('decided_at'),
    createdAt: createdAt(),
  },
  (t) => [index('approvals_status').on(t.tenantId, t.status, t.createdAt), index('approvals_run').on(t.runId)],
);

/** Who did what, when: approvals decided (by email, link, API), run control. Never deleted. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: tenantId(),
    at: text('at').notNull(),
    /** An email address, `api`, `link:<address>`, `timeout` or `system`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** What it acted on: an approval id or a run id. */
    subject: text('subject').notNull(),
    details: text('details', { mode: 'json' }),
  },
  (t) => [index('audit_subject').on(t.tenantId, t.subject), index('audit_at').on(t.tenantId, t.at)],
);

/** Every webhook request, accepted or not (`GET /api/deliveries`): nothing rejected is lost. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    workflowName: text('workflow_name').notNull(),
    /** The scheme's delivery id (X-GitHub-Delivery, the Stripe event id, …) or `sha256:<body hash>`. */
    deliveryId: text('delivery_id'),
    status: text('status', { enum: values(DeliveryStatus) }).notNull(),
    reason: text('reason'),
    runId: text('run_id'),
    /** The request's headers, signatures and cookies left out. */
    headers: text('headers', { mode: 'json' }),
    bodySize: integer('body_size'),
    createdAt: createdAt(),
  },
  (t) => [
    index('deliveries_tenant_created').on(t.tenantId, t.createdAt),
    index('deliveries_workflow').on(t.tenantId, t.workflowName, t.createdAt),
  ],
);

/**
 * Webhook bodies seen in the replay window (24 h): the SHA-256 of the signed content and the
 * idempotency key of the delivery that first brought it, so a replay with a fresh delivery id
 * answers that delivery's run instead of starting one. Rows past the window are pruned.
 */
export const webhookBodies = sqliteTable(
  'webhook_bodies',
  {
    tenantId: tenantId(),
    workflowName: text('workflow_name').notNull(),
    /** Hex SHA-256 of the raw body (of `<timestamp>.<body>` when the trigger signs a timestamp). */
    bodyHash: text('body_hash').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    /** When the body was first seen; the window starts here. */
    seenAt: text('seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.workflowName, t.bodyHash] }), index('webhook_bodies_seen').on(t.seenAt)],
);

/** Plans: workflows a planner agent proposed for a task described in words (`POST /api/plan`, `plan@`). */
export const plans = sqliteTable(
  'plans',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    status: text('status', { enum: values(PlanStatus) }).notNull(),
    task: text('task').notNull(),
    /** `{ max_usd?, max_steps? }`. */
    constraints: text('constraints', { mode: 'json' }),
    /** The planner agent's name. */
    planner: text('planner').notNull(),
    /** The proposed definition (validated), or the last invalid one. */
    definition: text('definition', { mode: 'json' }),
    /** Validation problems of the last proposal (`[{ path, message }]`), when it did not validate. */
    problems: text('problems', { mode: 'json' }),
    /** Steps, DAG, critical path, estimated duration (ms) and cost (USD). */
    estimate: text('estimate', { mode: 'json' }),
    /** Feedback texts given by replies, oldest first. */
    feedback: text('feedback', { mode: 'json' }).$type<string[]>(),
    /** The requester's address, for a plan asked for by email. */
    requester: text('requester'),
    /** The email thread of the plan: the request's Message-ID, subject and references. */
    thread: text('thread', { mode: 'json' }),
    workflowName: text('workflow_name'),
    workflowVersion: integer('workflow_version'),
    runId: text('run_id'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('plans_tenant_created').on(t.tenantId, t.createdAt, t.id)],
);
