/**
 * The host interfaces the use cases of `src/app/` run on (DESIGN.md "Folder layout and import
 * direction"): narrow, Baton's own, and free of bindings. The Cloudflare adapter implements them
 * over D1 (src/db/repositories.ts), the RunObjects and the `send_email` binding
 * (src/adapter/cloudflare/host.ts); the tests of test/app implement them in memory.
 * Every `tenantId` is the tenant the call acts for; nothing crosses tenants unless a member says so.
 */
import type { LoopUnit } from './core/engine/loop-types';
import type { ToolCallRef } from './schemas/agent';
import type { NewRun, PinnedAgent, TriggerInfo } from './core/engine';
import type { RegisteredAgent } from './core/definition';
import type { WorkflowDefinition } from './schemas/definition';
import type { ApprovalStatus, MessageStatus, TriggerType } from './schemas/enums';
import type { Decision } from './schemas/steps';
import type { Batch, Debounce } from './schemas/flow';
import type { FlowHold, QueueReason } from './schemas/flow';
import type { FlowGateStep, WaitingGate } from './core/flow/plan';

/** The host's time. */
export interface Clock {
  /** Now, epoch ms. */ now(): number;
}

/** Fresh randomness for ids. */
export interface Ids {
  /** A random RFC 9562 version 4 UUID, lower-case, with dashes (`crypto.randomUUID()`). */ uuid(): string;
}

/** A sub-workflow run's link to the parent step that waits for it. */
export interface ParentLink {
  runId: string;
  stepId: string;
  attempt: number;
  /** For a tool call of the parent step's agent loop (an `agent` or `workflow` tool): which call. */
  unit?: LoopUnit;
}

/** What a RunObject needs to start a run. */
export type RunStart = NewRun & { tenantId: string; parent?: ParentLink };

/** A recorded run handed to its waiting gates (concurrency, throttle), in order. */
export interface GatedRun {
  tenantId: string;
  runId: string;
  /** 1 (lowest) to 10: waiting lists go highest first, then by age. */
  priority: number;
  /** When the start came (epoch ms): the run's age in a waiting list. */
  enqueuedAt: number;
  gates: WaitingGate[];
}

/** What became of a gated run: it may start now, or it waits (1 = next) in the gate of `reason`. */
export type Admission = { admitted: true } | { admitted: false; reason: QueueReason; position: number };

/**
 * The workflow-level flow-control objects (src/schemas/flow.ts), one per (tenant, workflow, rule,
 * key). Every call is idempotent by run id.
 */
export interface FlowControl {
  /** Counts a start against a `rate_limit`. @returns null when it may go, else how long until one may (ms). */
  rateLimit(
    gate: Extract<FlowGateStep, { rule: 'rate_limit' }>,
    runId: string,
  ): Promise<{ retryAfterMs: number } | null>;
  /**
   * Claims a `singleton` for `runId`. @returns `{ skipped }` with the active run (mode skip), or
   * `{ held: true, cancelled? }` naming the active run it cancelled (mode cancel).
   */
  singleton(
    gate: Extract<FlowGateStep, { rule: 'singleton' }>,
    tenantId: string,
    runId: string,
  ): Promise<{ skipped: string } | { held: true; cancelled?: string }>;
  /**
   * Offers a recorded (queued) run to its waiting gates in order. When one has no room the run
   * waits there, and that gate hands it on (and finally starts it) when its turn comes.
   */
  admit(run: GatedRun): Promise<Admission>;
  /** Gives back a run's places (its end, or a start that never happened). */
  release(holds: FlowHold[], runId: string): Promise<void>;
}

/** A stored version of a workflow, as a run starts from it. */
export interface StoredWorkflow {
  name: string;
  version: number;
  definition: WorkflowDefinition;
  /** When `DELETE /api/workflows/:name` archived it (ISO 8601): it starts no runs. */
  archivedAt?: string | null;
}

/** An email alias's route: the workflow it starts and its sender allow-list (`*` wildcards). */
export interface EmailRoute {
  workflowName: string;
  allow?: string[];
  /** The priority of the runs the trigger starts (1–10). */
  priority?: number;
  /** The trigger's `require_auth`: overrides the deployment's `EMAIL_AUTH` when set. */
  requireAuth?: boolean;
}

/** The registered workflows, read side. */
export interface WorkflowCatalog {
  /** The latest version of `name`, or `version`. @returns null when the workflow or version does not exist. */
  get(tenantId: string, name: string, version?: number): Promise<StoredWorkflow | null>;
  /** The workflow whose email trigger has `alias` (lower-case). @returns null when none has. */
  emailRoute(tenantId: string, alias: string): Promise<EmailRoute | null>;
}

/** A definition to store as a workflow version. */
export interface NewWorkflowVersion {
  name: string;
  source: string;
  sourceFormat: 'yaml' | 'json';
  definition: WorkflowDefinition;
  /** Hex SHA-256 of the canonical JSON of `definition`: an unchanged re-send stores nothing. */
  hash: string;
}

/** The registered workflows, write side. */
export interface WorkflowRepository {
  /** Of `aliases`, those routed to a workflow other than `name`, mapped to that workflow's name. */
  aliasesTakenByOthers(tenantId: string, name: string, aliases: string[]): Promise<Map<string, string>>;
  /** The tenant's alias prefix (`POST /api/tenants { alias_prefix }`), and every other tenant's. */
  aliasPrefixes(tenantId: string): Promise<{ own: string | null; others: string[] }>;
  /**
   * Stores a version (safe under concurrent registrations of one name). `now` is ISO-8601 UTC.
   * @throws {BatonError} `conflict` when `mode` is `create` and the name exists.
   * @returns the version holding the definition, and whether it was created now.
   */
  saveVersion(
    tenantId: string,
    input: NewWorkflowVersion,
    now: string,
    mode: 'create' | 'version',
  ): Promise<{ version: number; created: boolean }>;
}

/** The tenant's agents. */
export interface AgentRegistry {
  /** The names of the tenant's registered agents. */ names(tenantId: string): Promise<Set<string>>;
  /** The tenant's agents by name (version, status, skills), for definition validation. */
  catalog(tenantId: string): Promise<Map<string, RegisteredAgent>>;
  /** The tenant's agents as a run pins them at start: current version, `timeout`, `retry` (one read). */
  pinned(tenantId: string): Promise<Record<string, PinnedAgent>>;
}

/** A queued run as recorded before its RunObject starts. `createdAt` is ISO-8601 UTC. */
export interface NewRunRecord {
  id: string;
  workflowName: string;
  version: number;
  triggerType: TriggerType;
  trigger: unknown;
  input: unknown;
  idempotencyKey: string | null;
  stepsTotal: number;
  createdAt: string;
  parent?: ParentLink | null;
  debug?: boolean;
  /** The agents pinned at start (name → version, step defaults), kept so a lost start is repeated exactly. */
  agents?: Record<string, PinnedAgent> | null;
  /** 1 (lowest) to 10. */
  priority?: number;
  /** Why it waits (a flow-control gate starts it), null when nothing holds it. */
  queueReason?: QueueReason | null;
  /** The flow-control places the run holds until it ends. */
  flow?: FlowHold[] | null;
}

/** The run records (the D1 mirror). */
export interface RunRepository {
  /**
   * Records a queued run unless one holds the same idempotency key.
   * @returns the id of the run that holds the key (this one or the earlier one), and whether it is new.
   */
  insert(tenantId: string, run: NewRunRecord): Promise<{ id: string; created: boolean }>;
  /** Deletes a run recorded by `insert` that never started (still `queued`, e.g. a `singleton` skipped it). */
  discard(tenantId: string, runId: string): Promise<void>;
  /** A run's id and output (null until it completes). @returns null when absent. */
  get(tenantId: string, runId: string): Promise<{ id: string; output: unknown } | null>;
}

/** Starts runs (one RunObject per run). */
export interface RunStarter {
  /**
   * Starts a run's object; a no-op when it exists.
   * @throws an Error when the object failed or did not answer in time (the run stays queued).
   */
  start(run: RunStart): Promise<void>;
}

/** A decision handed to a run's approval step. `by` is the lower-case assignee address, or `api`. */
export interface ApprovalVote {
  stepId: string;
  round: number;
  decision: Decision;
  comment?: string;
  by: string;
  /** For the approval of an agent's tool call: which call. */
  toolCall?: LoopUnit;
  /** For a budget approval (`approvals.kind = 'budget'`): `stepId` is the step that waits, `round` the approval's number. */
  budget?: true;
}

/** Commands to a running run. */
export interface RunControl {
  /**
   * Casts a vote on an approval round of `runId`.
   * @returns whether it counted (false: the round is closed, or `by` voted already), and the
   *   approval step's status after it.
   */
  decideApproval(runId: string, vote: ApprovalVote): Promise<{ counted: boolean; stepStatus: string | null }>;
}

/** An approval round as stored. */
export interface ApprovalRecord {
  /** `<runId>:<step instance key>:<round>`. */
  id: string;
  runId: string;
  stepId: string;
  round: number;
  workflowName: string;
  options: string[];
  assignees: string[];
  status: ApprovalStatus;
  /** For the approval of an agent's tool call: which call; null for approval steps. */
  toolCall?: ToolCallRef | null;
  /** What is asked: an approval step, a tool call, or going past a budget (absent: a step). */
  kind?: 'step' | 'tool' | 'budget';
}

/** The approval rounds and the audit log. */
export interface ApprovalRepository {
  /** @returns null when the tenant has no approval `id`. */
  get(tenantId: string, id: string): Promise<ApprovalRecord | null>;
  /** By id alone (a reply's verified approval id names its tenant). @returns null when absent. */
  getById(id: string): Promise<ApprovalRecord | null>;
  /** Appends an audit entry (`actor` an address, `api` or `<channel>:<address>`). */
  audit(tenantId: string, entry: { actor: string; action: string; subject: string; details?: unknown }): Promise<void>;
}

/** A message Baton sent, as the email trigger looks it up. */
export interface SentMessage {
  runId: string | null;
  workflowName: string | null;
  subject: string | null;
  to: string;
  approvalId: string | null;
}

/** An inbound email as recorded (CONTRACT.md "Email"); times ISO-8601 UTC. */
export interface InboundRecord {
  id: string;
  direction: 'inbound';
  status: MessageStatus;
  reason?: string | null;
  runId?: string | null;
  workflowName?: string | null;
  from: string;
  to: string;
  subject?: string | null;
  messageId?: string | null;
  inReplyTo?: string | null;
  references?: string | null;
  date: string;
  /** The raw source, null when too large to keep. */
  raw?: string | null;
  /** Bytes. */
  rawSize?: number | null;
  createdAt: string;
}

/** Every email in and out. */
export interface MessageLog {
  /** Records an inbound message (its id is new). */
  record(tenantId: string, message: InboundRecord): Promise<void>;
  /** Whether an inbound message with this Message-ID was recorded. */
  seenInbound(tenantId: string, messageId: string): Promise<boolean>;
  /** Whether Baton sent a message with this Message-ID (as written or as delivered). */
  sentByUs(tenantId: string, messageId: string): Promise<boolean>;
  /** The run reply Baton sent with one of these Message-IDs. @returns null when none. */
  findRunReply(tenantId: string, messageIds: string[]): Promise<SentMessage | null>;
  /** The message sent with the signed reply address of id `tokenId` (lower-case hex). @returns null when none. */
  findByReplyToken(tenantId: string, tokenId: string): Promise<SentMessage | null>;
  /** The approval email sent (or delivered) with one of these Message-IDs. @returns null when none. */
  findApprovalMail(tenantId: string, messageIds: string[]): Promise<{ approvalId: string } | null>;
  /**
   * How many inbound messages since `since` (ISO 8601) started or decided something (status
   * `accepted` or `skipped`), from `from` (any case) or for the workflow `workflowName`.
   */
  countTaken(tenantId: string, by: { from: string } | { workflowName: string }, since: string): Promise<number>;
}

/** A short plain-text note Baton sends in a thread (e.g. why a reply decided nothing). */
export interface Note {
  /** The record id; a note already recorded with it is not sent again. */
  dedupeId: string;
  runId: string | null;
  workflow: string | null;
  from: string;
  to: string;
  subject: string;
  /** The message answered: its Message-ID, References and In-Reply-To (RFC 5322 §3.6.4). */
  thread: { messageId: string; references: string[]; inReplyTo?: string };
  text: string;
}

/** Feedback on runs (issue 20). */
export interface FeedbackLog {
  /** Records one feedback; a second one with the same `messageId` is ignored. */
  record(
    tenantId: string,
    entry: {
      runId: string;
      rating: 'up' | 'down';
      comment: string;
      source: 'email' | 'dashboard' | 'api';
      by: string;
      messageId?: string;
    },
  ): Promise<void>;
}

/** Sends and records mail. */
export interface Mailer {
  /** Composes, sends and records a note; a refused send is recorded as failed, not thrown. */ sendNote(
    tenantId: string,
    note: Note,
  ): Promise<void>;
}

/** Secrets a definition names (a webhook's `secret`, an agent's `apiKeySecret`). */
export interface SecretStore {
  /**
   * The stored secret, else the host's own of that name; never Baton's own credentials.
   * @returns undefined when unset.
   * @throws {BatonError} `secret_unreadable` when one is stored but does not decrypt.
   */
  get(tenantId: string, name: string): Promise<string | undefined>;
}

/** A webhook request as recorded (`GET /api/deliveries`). */
export interface DeliveryRecord {
  workflowName: string;
  status: 'accepted' | 'duplicate' | 'rejected' | 'ignored' | 'rate_limited' | 'skipped';
  reason: string | null;
  runId: string | null;
  deliveryId: string | null;
  /** Without signatures and credentials. */
  headers: Record<string, string>;
  /** Bytes; null when unknown. */
  bodySize: number | null;
}

/** How long a webhook body stays a duplicate of its first delivery, ms (24 h). */
export const BODY_REPLAY_WINDOW_MS = 24 * 3600_000;

/** Every webhook request, and the bodies seen in the replay window. */
export interface DeliveryLog {
  record(tenantId: string, delivery: DeliveryRecord): Promise<void>;
  /**
   * Claims a body (its hex SHA-256) for the delivery with idempotency `key`, atomically: the first
   * delivery of a body within {@link BODY_REPLAY_WINDOW_MS} keeps it. `now` epoch ms.
   * @returns the idempotency key that holds the body (`key` itself when this delivery claimed it).
   */
  claimBody(tenantId: string, claim: { workflow: string; bodyHash: string; key: string }, now: number): Promise<string>;
}

/** The email settings of the deployment. */
export interface MailSettings {
  /** Key of the HMAC of signed reply addresses and approval Message-IDs. */
  signingKey: string;
  /** The domain Baton sends from when a run was not started by email. */
  mailDomain: string;
  /** The email gate (`EMAIL_AUTH`, `EMAIL_AUTHSERV_ID`); absent: no message needs authenticating. */
  auth?: EmailAuthSettings;
  /** Per-sender and per-alias limits of inbound mail that starts or decides something; absent: none. */
  limits?: { perSender?: InboundLimit; perAlias?: InboundLimit };
}

/** Whether inbound senders must be authenticated (DMARC-aligned DKIM or SPF), and by whose verdicts. */
export interface EmailAuthSettings {
  /** The deployment's default (`EMAIL_AUTH=required`); an email trigger's `require_auth` overrides it. */
  required: boolean;
  /** The authserv-ids whose Authentication-Results are believed, lower case (default `mx.cloudflare.net`). */
  authservIds: string[];
}

/** At most `limit` messages in any `periodMs` window (ms). */
export interface InboundLimit {
  limit: number;
  periodMs: number;
}

/** What starting a run needs. */
export interface StartRunPorts {
  /** Where `debounce`/`batch` triggers wait; absent: a definition with either cannot start (internal error). */
  buffer?: TriggerBuffer;
  /** The flow-control gates; absent: a definition with concurrency, throttle, rate_limit or singleton cannot start (internal error). */
  flow?: FlowControl;
  workflows: WorkflowCatalog;
  agents: AgentRegistry;
  runs: RunRepository;
  runStarter: RunStarter;
  clock: Clock;
  ids: Ids;
}

/** A trigger held by a workflow's `debounce` or `batch` rule (src/schemas/flow.ts) instead of starting a run now. */
export interface HeldTrigger {
  tenantId: string;
  workflow: string;
  version: number;
  rule: 'debounce' | 'batch';
  /** The rule's rendered key (`''` when the rule has none). */
  key: string;
  trigger: TriggerInfo;
  input: Record<string, unknown>;
  /** 1 (lowest) to 10. */
  priority: number;
  /** The trigger's own idempotency key (Message-ID, delivery id): held again, it joins nothing twice. */
  idempotencyKey?: string;
  /** The rule as the definition gives it (`debounce` or `batch`); absent: the buffer reads it from the catalogue. */
  spec?: Debounce | Batch;
}

/**
 * Buffers of held triggers, one Durable Object per (workflow, rule, key). Each releases its run
 * through the start-run use case (`released: true`, the `runId` it gave out) when the rule says:
 * `period` after the last trigger (debounce, at most `max_wait` after the first), or at `max_size`
 * or `timeout` (batch: the run's `trigger.batch` lists what came).
 */
export interface TriggerBuffer {
  /**
   * Holds a trigger in the open burst or batch (opening one when none is).
   * @returns the id of the run it joined (recorded in D1 once the buffer releases it), how many
   * triggers that run holds now, and `duplicate` when this trigger (its `idempotencyKey`) was held before.
   * @throws {BatonError} `payload_too_large` for a trigger bigger than a buffer holds, `bad_request` for one a batch cannot
   * nest, `rate_limited` while the buffer holds too many runs whose start keeps failing.
   */
  hold(held: HeldTrigger): Promise<{ runId: string; size: number; duplicate?: boolean }>;
}

/** What deciding an approval needs. */
export interface DecideApprovalPorts {
  approvals: ApprovalRepository;
  runControl: RunControl;
}

/** What receiving an email needs. */
export interface ReceiveEmailPorts extends StartRunPorts, DecideApprovalPorts {
  /** Where feedback replies (👍/👎 to a result email) are kept; absent: such replies are follow-ups. */
  feedback?: FeedbackLog;
  messages: MessageLog;
  mailer: Mailer;
  mail: MailSettings;
}

/** What receiving a webhook needs. */
export interface ReceiveWebhookPorts extends StartRunPorts {
  deliveries: DeliveryLog;
  secrets: SecretStore;
}

/** What registering a workflow needs. */
export interface RegisterWorkflowPorts {
  agents: AgentRegistry;
  workflowStore: WorkflowRepository;
  clock: Clock;
}

/** Every port, as the adapter builds them. */
export type HostPorts = ReceiveEmailPorts & ReceiveWebhookPorts & RegisterWorkflowPorts;
