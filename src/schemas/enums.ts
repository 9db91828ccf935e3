import { z } from 'zod';
import {
  APPROVAL_STATUSES,
  DELIVERY_STATUSES,
  ENDED_RUN_STATUSES,
  isEndedRunStatus,
  MESSAGE_STATUSES,
  RUN_STATUSES,
  STEP_STATUSES,
  TRIGGER_TYPES,
} from './enum-values';

export { ENDED_RUN_STATUSES, isEndedRunStatus };

/** Lifecycle of a run (CONTRACT.md "A run"). */
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

/** State of one approval round: `pending` until decided, then how it closed. */
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Lifecycle of one step within a run (CONTRACT.md "Step status"). */
export const StepStatus = z.enum(STEP_STATUSES);
export type StepStatus = z.infer<typeof StepStatus>;

/**
 * Outcome of one attempt of a step. A timeout is `failed` with error code `timeout` on every path
 * (the step's timer, the executor's own abort); `timed_out` is only read, from older records.
 */
export const AttemptStatus = z.enum(['running', 'succeeded', 'failed', 'timed_out', 'cancelled']);
export type AttemptStatus = z.infer<typeof AttemptStatus>;

/** What started a run. */
export const TriggerType = z.enum(TRIGGER_TYPES);
export type TriggerType = z.infer<typeof TriggerType>;

export const MessageDirection = z.enum(['inbound', 'outbound']);
export type MessageDirection = z.infer<typeof MessageDirection>;

/**
 * Status of a recorded email (CONTRACT.md "Email"): inbound messages are `accepted`, `rejected`,
 * `ignored` or `duplicate`; outbound ones are `sent` or `failed`.
 */
export const MessageStatus = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** What became of a webhook request: started a run, repeated one, refused, or filtered out. */
export const DeliveryStatus = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/**
 * Why a step was skipped: its `if:` was false (`condition`), a dependency failed
 * (`upstream_failed`), every explicit `needs` was skipped (`needs_skipped`), it is an error handler
 * whose error did not happen (`not_triggered`), its switch case was not chosen (`not_selected`), or
 * a switch matched no case and had no default (`no_case`).
 */
export const SkipReason = z.enum([
  'condition',
  'upstream_failed',
  'needs_skipped',
  'not_triggered',
  'not_selected',
  'no_case',
]);
export type SkipReason = z.infer<typeof SkipReason>;

/**
 * Closed set of error codes Baton answers with, in HTTP bodies (`{ error: { code } }`), in step and
 * run errors, and in recorded messages. `src/http/errors.ts` maps each to an HTTP status.
 */
export const ErrorCode = z.enum([
  // HTTP answers
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'bad_request',
  'invalid_definition',
  'payload_too_large',
  'internal_error',
  // step / agent failures
  'agent_not_found',
  'agent_error',
  'agent_bad_response',
  'network_error',
  'timeout',
  'rate_limited',
  'expression_error',
  'secret_not_found',
  'secret_unreadable',
  'secret_host_denied',
  'url_not_allowed',
  'tool_error',
  'invalid_output',
  'circuit_open',
  // registry: no active agent has the skill a step selects by, the agent is offline with no
  // replacement, the run (or the workflow's day) is past its budget
  'no_agent',
  'agent_offline',
  'budget_exceeded',
  // engine outcomes: an approval rejected, a run past its timeout, a block over its limits, a
  // parallel block whose wait_for cannot be met, a sub-workflow that failed or did not start, a cancel
  'rejected',
  'run_timeout',
  'limit_exceeded',
  'parallel_failed',
  'child_failed',
  'start_failed',
  'cancelled',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Agent providers (CONTRACT.md "Agents"). */
export const AgentProvider = z.enum(['http', 'openai', 'anthropic', 'builtin']);
export type AgentProvider = z.infer<typeof AgentProvider>;

/**
 * Lifecycle of an agent in the registry: `active` and `beta` are selectable, `deprecated` still
 * runs but warns at registration, `offline` is refused at registration and its calls go to
 * `replaced_by` (or fail with `agent_offline`).
 */
export const AgentStatus = z.enum(['active', 'beta', 'deprecated', 'offline']);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** How a step that selects its agent by skill orders the candidates. */
export const AgentPreference = z.enum(['cheapest', 'fastest', 'most_reliable']);
export type AgentPreference = z.infer<typeof AgentPreference>;

/** Why a step that was dispatched waits (status `waiting`): `agent_busy` — its agent has `max_concurrency` calls in flight. */
export const WaitReason = z.enum(['agent_busy']);
export type WaitReason = z.infer<typeof WaitReason>;

/** A run's priority where runs or attempts wait: 1 (lowest) to 10 (highest). */
export const RunPriority = z.int().min(1).max(10);
/** The priority of a run that names none. */
export const DEFAULT_PRIORITY = 5;

/**
 * Lifecycle of a plan: `proposed` (valid, waiting for approve/reject), `invalid` (still failing
 * validation after the repair turns), `approved` (saved as a workflow version and started),
 * `rejected`, `failed` (the planner could not answer).
 */
export const PlanStatus = z.enum(['proposed', 'invalid', 'approved', 'rejected', 'failed']);
export type PlanStatus = z.infer<typeof PlanStatus>;

/**
 * Roles of API keys and members, a closed set (what each may call: `ROUTE_ROLES` in
 * src/http/access.ts, the README's roles table): `admin` everything of its tenant, keys and members
 * included; `editor` changes workflows, agents and secrets; `operator` starts, pauses, resumes,
 * cancels and restarts runs and publishes events; `approver` decides approvals; `viewer` reads.
 */
export const Role = z.enum(['admin', 'editor', 'operator', 'approver', 'viewer']);
export type Role = z.infer<typeof Role>;

/** The only tenant until multi-tenancy lands; every table carries `tenant_id` already. */
export const DEFAULT_TENANT = 'default';
