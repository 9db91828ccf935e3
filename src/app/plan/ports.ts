import type { Clock, Ids, Mailer, StartRunPorts } from '../../ports';
import type { PlanConstraints, PlanEstimate } from '../../schemas/api/plans';
import type { WorkflowDefinition } from '../../schemas/definition';
import type { PlanStatus } from '../../schemas/enums';
import type { Issue } from '../../schemas/errors';
import type { RegistryEntry } from './registry';

/** The email thread of a plan asked for by email. */
export interface PlanThread {
  /** The plan alias's address the request was sent to (answers come from it). */
  address: string;
  /** The request's subject. */
  subject: string;
  /** The Message-ID of the newest inbound message of the thread (the next answer replies to it). */
  messageId: string;
  /** That message's References (the thread so far). */
  references: string[];
  /** How many plan emails were sent (each proposal is one). */
  sent: number;
}

/** A plan as stored (D1 `plans`); times ISO-8601 UTC. */
export interface PlanRecord {
  id: string;
  status: PlanStatus;
  task: string;
  constraints: PlanConstraints;
  planner: string;
  definition: unknown;
  /** Why the last proposal did not validate, or why planning failed (`path: planner`). */
  problems: Issue[];
  estimate: PlanEstimate | null;
  feedback: string[];
  requester: string | null;
  thread: PlanThread | null;
  workflowName: string | null;
  workflowVersion: number | null;
  runId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The plans. */
export interface PlanRepository {
  insert(tenantId: string, plan: PlanRecord): Promise<void>;
  /**
   * Writes `patch` when the plan's status is one of `from` (a compare-and-set, so two approvals
   * cannot both start a run). @returns whether it was written.
   */
  update(tenantId: string, id: string, patch: Partial<PlanRecord>, from: readonly PlanStatus[]): Promise<boolean>;
  /** @returns null when the tenant has no plan `id`. */
  get(tenantId: string, id: string): Promise<PlanRecord | null>;
  /**
   * The plan whose plan email Baton sent (or delivered) with one of these Message-IDs (the newest such
   * email), and which of its plan emails that was (`round`: 1 for the first). @returns null when none.
   */
  findByMessageIds(tenantId: string, messageIds: string[]): Promise<{ plan: PlanRecord; round: number } | null>;
}

/** One message of a planning conversation. */
export interface PlannerMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** The planner agent's answer: its text, or why it gave none. */
export type PlannerAnswer = { ok: true; text: string } | { ok: false; message: string };

/** The planner agents (`openai`/`anthropic` agents of the registry). */
export interface PlannerModel {
  /**
   * One turn: the conversation so far, answered as JSON of `schema` (structured output).
   * `key` is the turn's idempotency key. Bounded in time by the host. Never throws.
   */
  ask(
    tenantId: string,
    planner: string,
    messages: PlannerMessage[],
    schema: Record<string, unknown>,
    key: string,
  ): Promise<PlannerAnswer>;
}

/** The workflow registration path (`POST /api/workflows`), for checking and saving plans. */
export interface PlanWorkflows {
  /**
   * Validates a definition (JSON text) like `POST /api/workflows` does, with the tenant's agents.
   * @returns the validated definition, or the issues.
   */
  check(
    tenantId: string,
    text: string,
  ): Promise<{ ok: true; definition: WorkflowDefinition } | { ok: false; issues: Issue[] }>;
  /** Registers a definition (JSON text) as a version of its name. @throws {BatonError} as registration does. */
  register(tenantId: string, text: string, name: string): Promise<{ name: string; version: number }>;
}

/** What the planner needs. */
export interface PlanPorts extends StartRunPorts {
  plans: PlanRepository;
  planner: PlannerModel;
  workflowsForPlans: PlanWorkflows;
  /** The tenant's agents with their statistics. */
  registry(tenantId: string): Promise<RegistryEntry[]>;
  mailer: Mailer;
  clock: Clock;
  ids: Ids;
  /** The default planner agent (the `PLANNER` setting); empty when unset. */
  defaultPlanner: string;
}
