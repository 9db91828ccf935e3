import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { AlertDelivery, AlertRuleBody } from '../../../schemas/api/alerts';
import { AlertType } from '../../../schemas/api/alerts';
import { createdAt, tenantId, values } from './columns';

/**
 * D1 tables of alerts (issue 20): each tenant's rules, and every alert that fired. Times are
 * ISO-8601 UTC text.
 */

/** A rule (`PUT /api/alerts/:name`); `last_notified_at` is claimed atomically, so its cooldown holds across Workers. */
export const alertRules = sqliteTable(
  'alert_rules',
  {
    tenantId: tenantId(),
    name: text('name').notNull(),
    type: text('type', { enum: values(AlertType) }).notNull(),
    rule: text('rule', { mode: 'json' }).$type<AlertRuleBody>().notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    lastNotifiedAt: text('last_notified_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] }), index('alert_rules_type').on(t.type, t.enabled)],
);

/**
 * An alert that fired. `subject` is what it is about (`run:<id>`, `day:<workflow>:<date>`,
 * `circuit:<agent>:<opened at>`): one alert per rule and subject, so a replay fires nothing twice.
 */
export const alertEvents = sqliteTable(
  'alert_events',
  {
    id: text('id').primaryKey(),
    tenantId: tenantId(),
    rule: text('rule').notNull(),
    type: text('type', { enum: values(AlertType) }).notNull(),
    subject: text('subject').notNull(),
    workflow: text('workflow'),
    agent: text('agent'),
    runId: text('run_id'),
    message: text('message').notNull(),
    notified: integer('notified', { mode: 'boolean' }).notNull(),
    deliveries: text('deliveries', { mode: 'json' }).$type<AlertDelivery[]>().notNull(),
    firedAt: text('fired_at').notNull(),
  },
  (t) => [
    uniqueIndex('alert_events_subject').on(t.tenantId, t.rule, t.subject),
    index('alert_events_fired').on(t.tenantId, t.firedAt, t.id),
  ],
);
