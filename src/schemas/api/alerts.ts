import { z } from 'zod';
import { AgentName, WorkflowName } from '../names';
import { OutboundUrl } from '../outbound-url';
import { notReservedSecret } from '../secret-names';
import { PositiveDuration } from '../steps';
import { Iso } from './common';

/** What an alert rule watches (issue 20: alerts). */
export const AlertType = z.enum(['run_failed', 'run_stuck', 'cost_over', 'circuit_open', 'quality_drop']);
export type AlertType = z.infer<typeof AlertType>;

/** Names a rule may not take: `events` is the route of the alerts that fired. */
const RESERVED_RULE_NAMES = new Set(['events']);

/** An alert rule's name (the `:name` of `PUT /api/alerts/:name`). */
export const AlertName = z
  .string()
  .regex(/^[a-z0-9]+([-_][a-z0-9]+)*$/, 'expected lower-case letters, digits, - and _')
  .max(64)
  .refine((name) => !RESERVED_RULE_NAMES.has(name), { error: 'events is the route of the alerts that fired' });

/** Where an alert goes: addresses, and a webhook Baton signs with a stored secret. */
export const AlertNotify = z
  .strictObject({
    email: z
      .array(z.email().max(320))
      .max(20)
      .optional()
      .describe("Addresses to email; absent: the workflow's `owners`"),
    webhook: z
      .strictObject({
        url: OutboundUrl.describe('Receives `POST { type: "alert", alert }` as JSON'),
        secret: notReservedSecret(
          z
            .string()
            .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits and _')
            .max(128),
        ).describe(
          'A stored secret (PUT /api/secrets/:name) the body is signed with: `X-Baton-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Baton-Timestamp>.<body>")>`',
        ),
      })
      .optional(),
  })
  .describe('Who hears of it; absent: email the owners of the workflow the alert is about');

const common = {
  notify: AlertNotify.optional(),
  cooldown: PositiveDuration.default('1h').describe('Notifies at most once per this long (default 1h)'),
  enabled: z.boolean().default(true),
  description: z.string().max(500).optional(),
};
const workflow = WorkflowName.optional().describe('The workflow watched; absent: every workflow');

/** The body of `PUT /api/alerts/:name`: one shape per type, unknown keys refused. */
export const AlertRuleBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('run_failed'),
    workflow,
    streak: z.number().int().min(1).max(100).default(1).describe('Fires when this many runs in a row failed'),
    ...common,
  }),
  z.strictObject({
    type: z.literal('run_stuck'),
    workflow,
    after: PositiveDuration.describe('Fires for a running or waiting run with no step progress for this long'),
    ...common,
  }),
  z
    .strictObject({
      type: z.literal('cost_over'),
      workflow,
      usd: z.number().positive().max(1_000_000).optional().describe('Fires for a run that cost more, USD'),
      usd_per_day: z
        .number()
        .positive()
        .max(1_000_000)
        .optional()
        .describe("Fires once a UTC day's runs cost more in all, USD"),
      ...common,
    })
    .refine((r) => r.usd !== undefined || r.usd_per_day !== undefined, {
      error: 'a cost_over rule needs usd (per run) or usd_per_day',
      path: ['usd'],
    }),
  z.strictObject({
    type: z.literal('circuit_open'),
    agent: AgentName.optional().describe('The agent watched; absent: every agent'),
    ...common,
  }),
  z.strictObject({
    type: z.literal('quality_drop'),
    workflow,
    scorer: z.string().max(64).optional().describe('The `evaluate:` scorer watched; absent: the mean of all'),
    window: z.number().int().min(1).max(100).default(5).describe('Runs in the moving average (default 5)'),
    tolerance: z
      .number()
      .min(0)
      .max(100)
      .default(10)
      .describe('Points the average of the last `window` runs may fall below that of the `window` before (default 10)'),
    below: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Also fires when the moving average falls below this score, 0–100'),
    ...common,
  }),
]);
export type AlertRuleBody = z.infer<typeof AlertRuleBody>;

/** A stored rule, as `GET /api/alerts[/:name]` answers it. */
export const AlertRule = z
  .object({
    name: z.string(),
    rule: z.record(z.string(), z.unknown()).describe('The body as PUT, defaults applied'),
    lastNotifiedAt: Iso.nullable(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .openapi('AlertRule');
export type AlertRule = z.infer<typeof AlertRule>;

/** How one channel of an alert went. */
export const AlertDelivery = z.object({
  channel: z.enum(['email', 'webhook']),
  to: z.string().describe('The address, or the webhook URL without its query'),
  status: z.enum(['sent', 'failed']),
  detail: z.string().nullable().describe('Why it failed, or the webhook answer status'),
});
export type AlertDelivery = z.infer<typeof AlertDelivery>;

/** An alert that fired. */
export const AlertEvent = z
  .object({
    id: z.string(),
    rule: z.string(),
    type: AlertType,
    workflow: z.string().nullable(),
    agent: z.string().nullable(),
    runId: z.string().nullable(),
    message: z.string(),
    firedAt: Iso,
    notified: z.boolean().describe('false: within the rule’s cooldown, recorded but not sent'),
    deliveries: z.array(AlertDelivery),
  })
  .openapi('AlertEvent');
export type AlertEvent = z.infer<typeof AlertEvent>;

/** `GET /api/alerts/events`: newest first. */
export const AlertEventList = z
  .object({ events: z.array(AlertEvent), nextCursor: z.string().nullable() })
  .openapi('AlertEventList');
