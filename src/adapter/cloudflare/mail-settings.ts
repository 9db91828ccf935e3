import { durationMs } from '../../core/definition/duration';
import { DEFAULT_AUTHSERV_IDS } from '../../app/email-gate';
import type { InboundLimit, MailSettings } from '../../ports';
import { linkSigningKey, type AppEnv } from './env';

/** Inbound mail that starts or decides something, per sender, when `EMAIL_SENDER_LIMIT` is unset. */
export const DEFAULT_SENDER_LIMIT = '30/1h';
/** The same per alias (its workflow), when `EMAIL_ALIAS_LIMIT` is unset. */
export const DEFAULT_ALIAS_LIMIT = '300/1h';

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.error(message);
}

/**
 * The mail settings of the deployment: signing key, sending domain, the email gate (`EMAIL_AUTH`:
 * `required`, the default whatever else it says, or `off`; `EMAIL_AUTHSERV_ID`: comma-separated,
 * default `mx.cloudflare.net`) and the inbound limits (`EMAIL_SENDER_LIMIT`, `EMAIL_ALIAS_LIMIT`:
 * `<count>/<duration>` such as `30/1h`, or `off`).
 */
export function mailSettingsOf(env: AppEnv): MailSettings {
  const mode = (env.EMAIL_AUTH ?? '').trim().toLowerCase();
  if (mode !== 'off' && mode !== 'required' && mode !== '')
    warnOnce(`EMAIL_AUTH=${JSON.stringify(env.EMAIL_AUTH)} is neither required nor off: taken as required`);
  const ids = (env.EMAIL_AUTHSERV_ID ?? '')
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);
  const perSender = limitOf('EMAIL_SENDER_LIMIT', env.EMAIL_SENDER_LIMIT, DEFAULT_SENDER_LIMIT);
  const perAlias = limitOf('EMAIL_ALIAS_LIMIT', env.EMAIL_ALIAS_LIMIT, DEFAULT_ALIAS_LIMIT);
  return {
    signingKey: linkSigningKey(env),
    mailDomain: env.MAIL_DOMAIN || 'baton.local',
    auth: { required: mode !== 'off', authservIds: ids.length ? ids : DEFAULT_AUTHSERV_IDS },
    limits: { ...(perSender ? { perSender } : {}), ...(perAlias ? { perAlias } : {}) },
  };
}

/** `30/1h` → 30 per 3 600 000 ms; `off` → null; anything unreadable → the default (and a log line). */
function limitOf(name: string, raw: string | undefined, fallback: string): InboundLimit | null {
  const text = (raw ?? '').trim() || fallback;
  if (text.toLowerCase() === 'off') return null;
  const match = /^(\d{1,7})\/(\d+(?:ms|s|m|h|d))$/.exec(text);
  const limit = Number(match?.[1]);
  const periodMs = match ? durationMs(match[2]!) : 0;
  if (match && limit > 0 && periodMs > 0) return { limit, periodMs };
  warnOnce(`${name}=${JSON.stringify(raw)} is not <count>/<duration> such as 30/1h: ${fallback} holds`);
  return limitOf(name, fallback, fallback);
}
