import { durationMs } from '../../../core/definition/duration';
import { spoken } from '../../../core/alerts';
import { BatonError } from '../../../core/errors';
import { hmacSha256Hex } from '../../../lib/hash';
import type { AlertDelivery, AlertEvent } from '../../../schemas/api/alerts';
import { outboundUrlProblem } from '../../../schemas/outbound-url';
import { composeNotice } from '../../../app/mail/compose-notice';
import {
  alertFired,
  markNotified,
  claimNotice,
  insertAlertEvent,
  recordNotice,
  type AlertEventRow,
  type AlertRuleRow,
} from '../d1/alerts';
import { database } from '../d1/client';
import { publicUrl, type AppEnv } from '../env';
import { secretStoreOf } from '../host';
import { newMessageId, sendRecorded } from '../mail/mailer';

/** A webhook that has not answered within this long counts as failed, ms. */
export const ALERT_WEBHOOK_TIMEOUT_MS = 10_000;
/** The headers of a signed alert webhook (Baton's own `hmac-sha256` webhook scheme verifies them). */
export const ALERT_SIGNATURE_HEADER = 'X-Baton-Signature';
export const ALERT_TIMESTAMP_HEADER = 'X-Baton-Timestamp';

/** A rule that fired, about what. */
export interface Firing {
  rule: AlertRuleRow;
  /** One alert per rule and subject: `run:<id>`, `day:<workflow>:<date>`, `circuit:<agent>:<time>`. */
  subject: string;
  workflow?: string;
  agent?: string;
  runId?: string;
  /** One sentence: what happened, with the figures. */
  message: string;
  /** Who is emailed when the rule names nobody: the workflow's `owners`. */
  owners?: readonly string[];
}

/** The API's view of a stored alert. */
export function alertView({ tenantId: _, subject: __, ...row }: AlertEventRow): AlertEvent {
  return row;
}

/**
 * Records an alert and, unless its rule notified within its `cooldown`, emails it and posts it to
 * the rule's webhook (signed). Once per rule and subject: a replay (an outbox carried out again, a
 * cron tick repeated) fires nothing. A channel that fails is recorded on the alert, never thrown.
 * @param now epoch ms
 * @returns the alert, or null when this rule already fired for this subject.
 * @throws when D1 is unavailable (the caller's retry fires it then).
 */
export async function fireAlert(env: AppEnv, tenantId: string, f: Firing, now: number): Promise<AlertEvent | null> {
  const db = database(env.DB);
  const cooldownMs = durationMs(f.rule.rule.cooldown);
  if (await alertFired(db, tenantId, f.rule.name, f.subject)) return null;
  const row: AlertEventRow = {
    id: `alt_${crypto.randomUUID()}`,
    tenantId,
    rule: f.rule.name,
    type: f.rule.type,
    subject: f.subject,
    workflow: f.workflow ?? null,
    agent: f.agent ?? null,
    runId: f.runId ?? null,
    message: f.message,
    notified: false,
    deliveries: [],
    firedAt: new Date(now).toISOString(),
  };
  if (!(await insertAlertEvent(db, row))) return null;
  if (!(await claimNotice(db, tenantId, f.rule.name, cooldownMs, now))) return alertView(row);
  const event = { ...alertView(row), notified: true };
  // Marked before the channels are tried: a carrier lost meanwhile leaves the alert shown as
  // notified with no deliveries, never notified twice.
  await markNotified(db, row.id);
  const deliveries = await notify(env, tenantId, f, event, cooldownMs, now);
  await recordNotice(db, row.id, deliveries);
  return { ...event, deliveries };
}

async function notify(
  env: AppEnv,
  tenantId: string,
  f: Firing,
  event: AlertEvent,
  cooldownMs: number,
  now: number,
): Promise<AlertDelivery[]> {
  const { notify: to } = f.rule.rule;
  const emails = to?.email ?? f.owners ?? [];
  const deliveries: AlertDelivery[] = [];
  for (const address of emails) deliveries.push(await emailAlert(env, tenantId, event, address, cooldownMs, now));
  if (to?.webhook) deliveries.push(await postAlert(env, tenantId, event, to.webhook, now));
  return deliveries;
}

async function emailAlert(
  env: AppEnv,
  tenantId: string,
  event: AlertEvent,
  address: string,
  cooldownMs: number,
  now: number,
): Promise<AlertDelivery> {
  const from = `baton@${env.MAIL_DOMAIN || 'baton.local'}`;
  const base = publicUrl(env);
  const text = [
    event.message,
    '',
    ...(event.workflow ? [`Workflow: ${event.workflow}`] : []),
    ...(event.agent ? [`Agent: ${event.agent}`] : []),
    ...(event.runId ? [`Run: ${base}/runs/${event.runId}`] : []),
    `All alerts: ${base}/alerts`,
    '',
    `Rule ${event.rule} (${event.type}) notifies at most once per ${spoken(cooldownMs)}.`,
  ].join('\n');
  const sent = await sendRecorded(env, tenantId, {
    dedupeId: `alert:${event.id}:${address}`,
    runId: event.runId,
    workflow: event.workflow,
    compose: () =>
      composeNotice({
        from,
        to: address,
        subject: `Baton alert: ${event.rule}: ${event.message}`,
        text,
        messageId: newMessageId(from),
        now,
      }),
  });
  return { channel: 'email', to: address, status: sent?.status ?? 'sent', detail: sent?.reason ?? null };
}

/**
 * POSTs `{ type: "alert", alert }` to the rule's webhook, signed as Baton's `hmac-sha256` webhook
 * scheme verifies (a timestamp header, the HMAC over `<timestamp>.<body>`, Stripe's construction:
 * https://docs.stripe.com/webhooks#verify-manually).
 */
async function postAlert(
  env: AppEnv,
  tenantId: string,
  event: AlertEvent,
  hook: { url: string; secret: string },
  now: number,
): Promise<AlertDelivery> {
  const shown = shownUrl(hook.url);
  const failed = (detail: string): AlertDelivery => ({ channel: 'webhook', to: shown, status: 'failed', detail });
  const problem = outboundUrlProblem(hook.url);
  if (problem) return failed(problem);
  let secret: string | undefined;
  try {
    secret = await secretStoreOf(env).get(tenantId, hook.secret);
  } catch (err) {
    if (err instanceof BatonError) return failed(err.message);
    throw err;
  }
  if (!secret) return failed(`secret ${hook.secret} is not set`);
  const body = JSON.stringify({ type: 'alert', alert: event });
  const timestamp = String(Math.floor(now / 1000));
  try {
    const answer = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-baton-alert-id': event.id,
        [ALERT_TIMESTAMP_HEADER]: timestamp,
        [ALERT_SIGNATURE_HEADER]: `sha256=${await hmacSha256Hex(secret, `${timestamp}.${body}`)}`,
      },
      body,
      signal: AbortSignal.timeout(ALERT_WEBHOOK_TIMEOUT_MS),
      // A redirect could point anywhere (a metadata endpoint): the URL checked is the one called.
      redirect: 'manual',
    });
    await answer.body?.cancel();
    const detail =
      answer.status >= 300 && answer.status < 400
        ? `HTTP ${answer.status}: redirects are not followed`
        : `HTTP ${answer.status}`;
    return answer.ok ? { channel: 'webhook', to: shown, status: 'sent', detail } : failed(detail);
  } catch (err) {
    return failed(`not delivered: ${(err as Error).message}`.slice(0, 300));
  }
}

/** A webhook URL as alerts show it: its origin only (a path or query may hold a token, as Slack's do). */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname === '/' && !parsed.search ? parsed.origin : `${parsed.origin}/…`;
  } catch {
    return '(not a URL)';
  }
}
