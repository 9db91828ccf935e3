import { receiveEmail as receiveEmailOn, type InboundEmail, type InboundOutcome } from '../../../app/receive-email';
import { hostPorts } from '../host';
import { planDeskOf } from '../plan/planner-ports';
import type { AppEnv } from '../env';
import { database } from '../d1/client';
import { tenantForAlias, tenantForDomain } from '../d1/access';
import { DEFAULT_TENANT } from '../../../schemas/enums';

export {
  MAX_EMAIL_BYTES,
  MAX_STORED_RAW_BYTES,
  type InboundEmail,
  type InboundOutcome,
} from '../../../app/receive-email';

/**
 * The Worker's `email()` handler: the use case (src/app/receive-email.ts) on the Worker's bindings,
 * for the tenant that receives mail for the recipient's domain (`email_domains` of
 * `POST /api/tenants`), else the one whose `alias_prefix` the recipient's local part starts with,
 * else the default tenant. Never throws for bad mail.
 */
export async function receiveEmail(message: InboundEmail, env: AppEnv, tenantId?: string): Promise<InboundOutcome> {
  const tenant = tenantId ?? (await tenantOfRecipient(env, message.to));
  return receiveEmailOn({ ...hostPorts(env), planDesk: planDeskOf(env) }, message, tenant);
}

/**
 * The tenant whose email domain the envelope recipient is at (RFC 5321 `local@domain`), else the
 * one whose alias prefix its local part starts with, else the default.
 */
async function tenantOfRecipient(env: AppEnv, to: string): Promise<string> {
  const at = to.lastIndexOf('@');
  const domain = to
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (at < 0 || !domain) return DEFAULT_TENANT;
  const db = database(env.DB);
  return (
    (await tenantForDomain(db, domain)) ??
    (await tenantForAlias(db, to.slice(0, at).trim().toLowerCase())) ??
    DEFAULT_TENANT
  );
}
