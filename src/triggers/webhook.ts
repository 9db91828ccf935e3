import { BatonError } from '../core/errors';
import { evaluateCondition, ExpressionError, render } from '../core/expressions';
import { sha256Hex } from '../core/hash';
import { durationMs } from '../core/definition';
import { SIGNATURE_HEADERS } from '../core/redact';
import { verifySignature } from '../core/webhook-signatures';
import { database } from '../db/client';
import { recordDelivery } from '../db/deliveries';
import { getWorkflowVersion } from '../db/workflows';
import { secretOf, type AppEnv } from '../env';
import type { WebhookTrigger } from '../schemas/definition';
import { startRun } from './start-run';

type Spec = WebhookTrigger['webhook'];

/** What to answer a webhook request with. */
export interface WebhookAnswer {
  status: 200 | 202 | 400 | 401 | 404 | 413 | 503;
  body: Record<string, unknown>;
}

/** Headers kept with a delivery and given to the run: never credentials or signatures (nor the trigger's own `header:`). */
const HIDDEN = SIGNATURE_HEADERS;

/** The request as the trigger reads it. */
export interface WebhookRequest {
  headers: Headers;
  /** The raw body, or null when it was larger than `maxBytes`. */
  body: () => Promise<Uint8Array>;
}

/**
 * The webhook trigger (`POST /hooks/:workflow`): checks size (413) and signature (401, constant
 * time), answers Slack's `url_verification` challenge, dedupes by the scheme's delivery id (a
 * repeated delivery starts nothing and answers the first run's id), applies `filter:` and maps
 * `input:` from `{ body, headers }`. Every request is recorded (`GET /api/deliveries`), rejected
 * ones with their reason; none of them crashes the Worker.
 */
export async function receiveWebhook(env: AppEnv, tenantId: string, workflow: string, request: WebhookRequest): Promise<WebhookAnswer> {
  const db = database(env.DB);
  const hidden = new Set(HIDDEN);
  const record = (status: 'accepted' | 'duplicate' | 'rejected' | 'ignored', extra: { reason?: string; runId?: string; deliveryId?: string; bodySize?: number } = {}) =>
    recordDelivery(db, tenantId, { workflowName: workflow, status, reason: extra.reason ?? null, runId: extra.runId ?? null, deliveryId: extra.deliveryId ?? null, headers: Object.fromEntries([...request.headers].filter(([k]) => !hidden.has(k.toLowerCase()))), bodySize: extra.bodySize ?? null });
  const refuse = async (status: WebhookAnswer['status'], code: string, message: string, bodySize?: number): Promise<WebhookAnswer> => {
    await record('rejected', { reason: `${code}: ${message}`, bodySize });
    return { status, body: { error: { code, message } } };
  };

  const wf = await getWorkflowVersion(db, tenantId, workflow);
  const spec = wf?.definition.triggers.flatMap((t) => ('webhook' in t ? [t.webhook] : []))[0];
  if (!wf || !spec) return refuse(404, 'not_found', `workflow ${workflow} has no webhook trigger`);
  if (spec.header) hidden.add(spec.header.toLowerCase());
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > spec.max_bytes) return refuse(413, 'payload_too_large', `the body is ${declared} bytes; this webhook accepts at most ${spec.max_bytes}`, declared);
  const body = await request.body();
  if (body.byteLength > spec.max_bytes) return refuse(413, 'payload_too_large', `the body is larger than ${spec.max_bytes} bytes`, body.byteLength);
  const headers = Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v]));

  if (spec.signature !== 'none') {
    const secret = spec.secret ? await secretOf(env, tenantId, spec.secret) : undefined;
    if (!secret) return refuse(503, 'internal_error', `the signing secret ${spec.secret} is not set`, body.byteLength);
    const verdict = await verifySignature({
      scheme: spec.signature, secret, body, headers, now: Math.floor(Date.now() / 1000), toleranceS: spec.signature === 'slack' ? 300 : durationMs(spec.tolerance) / 1000,
      header: spec.header?.toLowerCase(), prefix: spec.prefix, encoding: spec.encoding,
    });
    if (!verdict.ok) return refuse(401, 'unauthorized', verdict.reason, body.byteLength);
  }

  const payload = parseBody(body, headers['content-type'] ?? '');
  if (spec.signature === 'slack' && isRecord(payload) && payload.type === 'url_verification') {
    await record('ignored', { reason: 'url_verification answered', bodySize: body.byteLength });
    return { status: 200, body: { challenge: payload.challenge ?? null } };
  }
  const deliveryId = await deliveryIdOf(spec, headers, payload, body);
  const context = { body: payload, headers: Object.fromEntries(Object.entries(headers).filter(([k]) => !hidden.has(k))) };
  try {
    if (spec.filter && !(await evaluateCondition(spec.filter, context, 'webhook.filter'))) {
      await record('ignored', { reason: 'filter: false', deliveryId, bodySize: body.byteLength });
      return { status: 202, body: { ignored: true, reason: 'the trigger\'s filter is false for this delivery' } };
    }
    const input = spec.input ? ((await render(spec.input, context, 'webhook.input')) as Record<string, unknown>) : {};
    const { runId, created } = await startRun(env, tenantId, {
      workflow, input, trigger: { type: 'webhook', webhook: { ...context, deliveryId } }, idempotencyKey: `webhook:${workflow}:${deliveryId}`,
    });
    await record(created ? 'accepted' : 'duplicate', { runId, deliveryId, bodySize: body.byteLength });
    return { status: 202, body: created ? { runId } : { runId, duplicate: true } };
  } catch (err) {
    if (!(err instanceof BatonError || err instanceof ExpressionError)) throw err;
    return refuse(400, 'bad_request', err.message, body.byteLength);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** JSON bodies as objects, form-encoded ones (Slack commands) as fields, anything else as text. */
function parseBody(body: Uint8Array, contentType: string): unknown {
  const text = new TextDecoder().decode(body);
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The scheme's delivery id: X-GitHub-Delivery, the Stripe event id, Slack's event_id, a configured header, else a body hash. */
async function deliveryIdOf(spec: Spec, headers: Record<string, string>, payload: unknown, body: Uint8Array): Promise<string> {
  const fromBody = (key: string) => (isRecord(payload) && typeof payload[key] === 'string' ? (payload[key] as string) : undefined);
  const id = spec.signature === 'github' ? headers['x-github-delivery']
    : spec.signature === 'stripe' ? fromBody('id')
      : spec.signature === 'slack' ? fromBody('event_id')
        : spec.delivery_header ? headers[spec.delivery_header.toLowerCase()] : undefined;
  return id || `sha256:${await sha256Hex(body)}`;
}
