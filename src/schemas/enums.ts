import { z } from 'zod';

/** Lifecycle of a run (CONTRACT.md "A run"). */
export const RunStatus = z.enum(['queued', 'running', 'waiting', 'paused', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

/** Run statuses after which a run never changes again (its end). */
export const ENDED_RUN_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];

/** True for a run status in {@link ENDED_RUN_STATUSES}. */
export function isEndedRunStatus(status: string): boolean {
  return (ENDED_RUN_STATUSES as readonly string[]).includes(status);
}

/** State of one approval round: `pending` until decided, then how it closed. */
export const ApprovalStatus = z.enum(['pending', 'approved', 'rejected', 'changes_requested', 'cancelled']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Lifecycle of one step within a run (CONTRACT.md "Step status"). */
export const StepStatus = z.enum(['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled', 'compensated']);
export type StepStatus = z.infer<typeof StepStatus>;

/**
 * Outcome of one attempt of a step. A timeout is `failed` with error code `timeout` on every path
 * (the step's timer, the executor's own abort); `timed_out` is only read, from older records.
 */
export const AttemptStatus = z.enum(['running', 'succeeded', 'failed', 'timed_out', 'cancelled']);
export type AttemptStatus = z.infer<typeof AttemptStatus>;

/** What started a run. */
export const TriggerType = z.enum(['email', 'webhook', 'schedule', 'api']);
export type TriggerType = z.infer<typeof TriggerType>;

export const MessageDirection = z.enum(['inbound', 'outbound']);
export type MessageDirection = z.infer<typeof MessageDirection>;

/**
 * Status of a recorded email (CONTRACT.md "Email"): inbound messages are `accepted`, `rejected`,
 * `ignored` or `duplicate`; outbound ones are `sent` or `failed`.
 */
export const MessageStatus = z.enum(['accepted', 'rejected', 'ignored', 'duplicate', 'sent', 'failed']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** Agent providers (CONTRACT.md "Agents"). */
export const AgentProvider = z.enum(['http', 'openai', 'builtin']);
export type AgentProvider = z.infer<typeof AgentProvider>;

/** Roles of API tokens: `admin` may change things, `viewer` may only read. */
export const Role = z.enum(['admin', 'viewer']);
export type Role = z.infer<typeof Role>;

/** The only tenant until multi-tenancy lands; every table carries `tenant_id` already. */
export const DEFAULT_TENANT = 'default';
