import {
  receiveWebhook as receiveWebhookOn,
  type WebhookAnswer,
  type WebhookRequest,
} from '../../../app/receive-webhook';
import { hostPorts } from '../host';
import type { AppEnv } from '../env';

export type { WebhookAnswer, WebhookRequest } from '../../../app/receive-webhook';

/** `POST /hooks/:workflow`: the use case (src/app/receive-webhook.ts) on the Worker's bindings. Never throws. */
export function receiveWebhook(
  env: AppEnv,
  tenantId: string,
  workflow: string,
  request: WebhookRequest,
): Promise<WebhookAnswer> {
  return receiveWebhookOn(hostPorts(env), tenantId, workflow, request);
}
