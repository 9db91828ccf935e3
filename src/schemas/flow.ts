import { z } from 'zod';
import { PositiveDuration } from './steps';

/**
 * Workflow-level flow control (README "Flow control"): how many runs of a workflow run at once,
 * how fast they start, which starts are refused, collapsed, skipped or gathered. Every `key` is a
 * template over `{ trigger, inputs }` (e.g. `"{{ inputs.customer }}"`) naming the group the limit
 * applies to; without a key the limit is for the whole workflow. Each (workflow, rule, key) is one
 * Durable Object holding its counters and waiting list.
 */

/** Most distinct characters a rendered key may have; longer keys are cut to a hash-suffixed prefix. */
export const MAX_FLOW_KEY_LENGTH = 256;
/** Most limits a `concurrency` list may hold. */
export const MAX_CONCURRENCY_RULES = 5;

/** A group key: a template over the trigger and the inputs (`{{ inputs.customer }}`). */
export const FlowKey = z
  .string()
  .min(1)
  .max(1_000)
  .describe('Template over { trigger, inputs } naming the group the limit applies to; absent: the whole workflow');

/** Runs beyond `limit` (per key) wait durably in order, status `queued` with reason `concurrency`, then start. */
export const ConcurrencyLimit = z.strictObject({
  limit: z.int().min(1).max(10_000).describe('Most runs active at once (per key)'),
  key: FlowKey.optional(),
});
export type ConcurrencyLimit = z.infer<typeof ConcurrencyLimit>;

/** One limit, or several that all hold (e.g. per customer and in total). */
export const Concurrency = z.union([ConcurrencyLimit, z.array(ConcurrencyLimit).min(1).max(MAX_CONCURRENCY_RULES)]);
export type Concurrency = z.infer<typeof Concurrency>;

/**
 * Starts spread to at most `limit` per `period` (GCRA, the generic cell rate algorithm of ITU-T
 * I.371; `burst` starts may go back to back, default 1); excess runs wait (`queued`, reason `throttle`).
 */
export const Throttle = z.strictObject({
  limit: z.int().min(1).max(10_000).describe('Starts per period'),
  period: PositiveDuration.describe('The window the limit is counted over, e.g. 1m'),
  burst: z.int().min(1).max(10_000).optional().describe('Starts that may go back to back (default 1)'),
  key: FlowKey.optional(),
});
export type Throttle = z.infer<typeof Throttle>;

/**
 * Starts beyond `limit` per `period` are refused and recorded: the API answers 429 with
 * `Retry-After`; an email, webhook delivery or schedule tick is recorded `rate_limited`.
 */
export const RateLimit = z.strictObject({
  limit: z.int().min(1).max(100_000).describe('Starts per period'),
  period: PositiveDuration.describe('The window, e.g. 1m'),
  key: FlowKey.optional(),
});
export type RateLimit = z.infer<typeof RateLimit>;

/**
 * Triggers within `period` of the previous one collapse into one run with the last trigger's
 * input, started `period` after the last (at most `max_wait` after the first).
 */
export const Debounce = z.strictObject({
  period: PositiveDuration.describe('Quiet time after the last trigger before the run starts'),
  key: FlowKey.optional(),
  max_wait: PositiveDuration.optional().describe('Longest delay after the first trigger of a burst'),
});
export type Debounce = z.infer<typeof Debounce>;

/** While a run with the key is active a new start is skipped (recorded) or replaces it (the old one is cancelled). */
export const Singleton = z.strictObject({
  key: FlowKey.optional(),
  mode: z
    .enum(['skip', 'cancel'])
    .describe('skip: the new start is recorded as skipped; cancel: the active run is cancelled'),
});
export type Singleton = z.infer<typeof Singleton>;

/**
 * Webhook, email and API starts gathered into one run whose `trigger.batch` is the list of what
 * came: at most `max_size`, or what came within `timeout` of the first.
 */
export const Batch = z.strictObject({
  max_size: z.int().min(1).max(100).describe('Most triggers in one run'),
  timeout: PositiveDuration.describe('Longest wait after the first trigger of a batch'),
  key: FlowKey.optional(),
});
export type Batch = z.infer<typeof Batch>;

/** The top-level flow-control keys of a definition (spread into the workflow fields). */
export const FlowFields = {
  concurrency: Concurrency.optional(),
  throttle: Throttle.optional(),
  rate_limit: RateLimit.optional(),
  debounce: Debounce.optional(),
  singleton: Singleton.optional(),
  batch: Batch.optional(),
};

/**
 * Why a run that is recorded has not started yet (status `queued`): it waits for a `concurrency`
 * slot or its `throttle` turn. (A `debounce`/`batch` run is recorded only when its buffer releases it.)
 */
export const QueueReason = z.enum(['concurrency', 'throttle']);
export type QueueReason = z.infer<typeof QueueReason>;

/** The flow-control rules a run can hold a place in until it ends. */
export const HoldingRule = z.enum(['concurrency', 'singleton']);
export type HoldingRule = z.infer<typeof HoldingRule>;

/**
 * A run's place in one flow-control object, released when the run ends: the rule, its index in a
 * `concurrency` list, the rendered key, and the object's name (`<tenant>:<workflow>:<rule>[<index>]:<key>`).
 * D1 `runs.flow` also lists the `throttle` a run passes (so a cancel and the sweeper's repair reach it).
 */
export interface FlowHold {
  rule: HoldingRule | 'throttle';
  index?: number;
  key: string;
  object: string;
}
