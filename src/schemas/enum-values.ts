/**
 * The values of Baton's closed unions as plain tuples, with no zod, so the dashboard can list them
 * without bundling zod. `enums.ts` builds the zod enums (and their types) from these; use those
 * everywhere else.
 */

/** Lifecycle of a run (CONTRACT.md "A run"). */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'paused', 'completed', 'failed', 'cancelled'] as const;

/** Run statuses after which a run never changes again (its end). */
export const ENDED_RUN_STATUSES = [
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly (typeof RUN_STATUSES)[number][];

/** True for a run status in {@link ENDED_RUN_STATUSES}. */
export function isEndedRunStatus(status: string): boolean {
  return (ENDED_RUN_STATUSES as readonly string[]).includes(status);
}

/** What started a run. */
export const TRIGGER_TYPES = ['email', 'webhook', 'schedule', 'api'] as const;

/** State of one approval round: `pending` until decided, then how it closed. */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'changes_requested', 'cancelled'] as const;

/** Lifecycle of one step within a run (CONTRACT.md "Step status"). */
export const STEP_STATUSES = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
] as const;

/**
 * Status of a recorded email: inbound `accepted`, `rejected`, `ignored`, `duplicate`,
 * `rate_limited` (refused by the workflow's `rate_limit`), `skipped` (a `singleton` run was
 * active); outbound `sent`, `failed`.
 */
export const MESSAGE_STATUSES = [
  'accepted',
  'rejected',
  'ignored',
  'duplicate',
  'rate_limited',
  'skipped',
  'sent',
  'failed',
] as const;

/** What became of a webhook request (`GET /api/deliveries`). */
export const DELIVERY_STATUSES = ['accepted', 'duplicate', 'rejected', 'ignored', 'rate_limited', 'skipped'] as const;
