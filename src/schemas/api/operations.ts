import { z } from 'zod';
import { DeliveryStatus } from '../enums';
import { Iso } from './common';

/* Schedules, secrets, webhook deliveries and answers, events, the demo seed, health. */

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
export const Secret = z
  .object({
    name: z.string(),
    hosts: z.array(z.string()).describe('Hosts it may be sent to'),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .openapi('Secret');
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
