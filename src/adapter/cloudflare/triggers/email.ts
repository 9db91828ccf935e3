import { receiveEmail as receiveEmailOn, type InboundEmail, type InboundOutcome } from '../../../app/receive-email';
import { hostPorts } from '../host';
import { planDeskOf } from '../plan/planner-ports';
import type { AppEnv } from '../env';

export {
  MAX_EMAIL_BYTES,
  MAX_STORED_RAW_BYTES,
  type InboundEmail,
  type InboundOutcome,
} from '../../../app/receive-email';

/** The Worker's `email()` handler: the use case (src/app/receive-email.ts) on the Worker's bindings. Never throws for bad mail. */
export function receiveEmail(message: InboundEmail, env: AppEnv, tenantId = 'default'): Promise<InboundOutcome> {
  return receiveEmailOn({ ...hostPorts(env), planDesk: planDeskOf(env) }, message, tenantId);
}
