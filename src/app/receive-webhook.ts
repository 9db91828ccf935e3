import { BatonError } from '../core/errors';
import { evaluateCondition, ExpressionError, render } from '../core/expressions';
import { sha256Hex } from '../lib/hash';
import { durationMs } from '../core/definition';
import { jsonTextDeeperThan, MAX_JSON_DEPTH, tooDeepMessage } from '../core/json-depth';
import { SIGNATURE_HEADERS } from '../core/redact';
import { verifySignature } from '../lib/webhook-signatures';
import { BODY_REPLAY_WINDOW_MS, type DeliveryRecord, type ReceiveWebhookPorts, type SecretStore } from '../ports';
import { retryAfterSeconds } from '../core/flow/retry-after';
import type { WebhookTrigger } from '../schemas/definition';
import { startRun } from './start-run';

type Spec = WebhookTrigger['webhook'];

const BODY_REPLAY_WINDOW_H = BODY_REPLAY_WINDOW_MS / 3600_000;

/** What to answer a webhook request with. */
export interface WebhookAnswer {
  status: 200 | 202 | 400 | 401 | 404 | 413 | 429 | 500 | 503;
  body: Record<string, unknown>;
  /** Extra response headers (`Retry-After` on a 429). */
  headers?: Record<string, string>;
}

/** Headers kept with a delivery and given to the run: never credentials or signatures. */
const HIDDEN = SIGNATURE_HEADERS;

/** The request as the trigger reads it. */
export interface WebhookRequest {
  headers: Headers;
  /** The raw body, or null when it was larger than `maxBytes`. */
  body: () => Promise<Uint8Array>;
}

/**
 * The webhook trigger (`POST /hooks/:workflow`): checks size (413), signature (401, constant
 * time; with `timestamp_header`, also the signed timestamp's age) and nesting depth (400), answers
 * Slack's `url_verification` challenge, dedupes by the scheme's delivery id and by the body's hash
 * within 24 h (a repeated delivery or a replayed body starts nothing and answers the first run's
 * id), applies `filter:` and maps `input:` from `{ body, headers }`. Every request is recorded
 * (`GET /api/deliveries`), rejected ones with their reason, also those that fail unexpectedly
 * (500); none of them crashes the Worker.
 */
export async function receiveWebhook(
  ports: ReceiveWebhookPorts,
  tenantId: string,
  workflow: string,
  request: WebhookRequest,
): Promise<WebhookAnswer> {
  /** HIDDEN, plus the header an hmac-sha256 trigger names (added once the trigger is known). */
  const hidden = new Set(HIDDEN);
  let bodySize: number | undefined;
  const record = (
    status: DeliveryRecord['status'],
    extra: { reason?: string; runId?: string; deliveryId?: string } = {},
  ) =>
    ports.deliveries.record(tenantId, {
      workflowName: workflow,
      status,
      reason: extra.reason ?? null,
      runId: extra.runId ?? null,
      deliveryId: extra.deliveryId ?? null,
      headers: Object.fromEntries([...request.headers].filter(([k]) => !hidden.has(k.toLowerCase()))),
      bodySize: bodySize ?? null,
    });
  const refuse = async (status: WebhookAnswer['status'], code: string, message: string): Promise<WebhookAnswer> => {
    await record('rejected', { reason: `${code}: ${message}` });
    return { status, body: { error: { code, message } } };
  };
  try {
    return await receive(ports, tenantId, workflow, request, {
      record,
      refuse,
      sized: (n) => (bodySize = n),
      hide: (name) => hidden.add(name.toLowerCase()),
    });
  } catch (err) {
    if (err instanceof BatonError || err instanceof ExpressionError) return refuse(400, 'bad_request', err.message);
    console.error(`POST /hooks/${workflow} failed`, err);
    return refuse(500, 'internal_error', 'internal error; see the Worker logs');
  }
}

interface Recorder {
  record: (
    status: 'accepted' | 'duplicate' | 'ignored' | 'rate_limited' | 'skipped',
    extra?: { reason?: string; runId?: string; deliveryId?: string },
  ) => Promise<void>;
  refuse: (status: WebhookAnswer['status'], code: string, message: string) => Promise<WebhookAnswer>;
  /** Tells the recorder the body's size once known. */
  sized: (bytes: number) => void;
  /** Keeps a header (the trigger's signature header) out of the record and the run. */
  hide: (header: string) => void;
}

async function receive(
  ports: ReceiveWebhookPorts,
  tenantId: string,
  workflow: string,
  request: WebhookRequest,
  { record, refuse, sized, hide }: Recorder,
): Promise<WebhookAnswer> {
  const wf = await ports.workflows.get(tenantId, workflow);
  const spec = wf?.definition.triggers.flatMap((t) => ('webhook' in t ? [t.webhook] : []))[0];
  if (!wf || !spec) return refuse(404, 'not_found', `workflow ${workflow} has no webhook trigger`);
  const hidden = new Set(HIDDEN);
  if (spec.header) {
    hide(spec.header);
    hidden.add(spec.header.toLowerCase());
  }
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > spec.max_bytes) {
    sized(declared);
    return refuse(
      413,
      'payload_too_large',
      `the body is ${declared} bytes; this webhook accepts at most ${spec.max_bytes}`,
    );
  }
  const body = await request.body();
  sized(body.byteLength);
  if (body.byteLength > spec.max_bytes)
    return refuse(413, 'payload_too_large', `the body is larger than ${spec.max_bytes} bytes`);
  const headers = Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v]));

  if (spec.signature !== 'none') {
    const secret = spec.secret ? await signingSecret(ports.secrets, tenantId, spec.secret) : undefined;
    if (typeof secret === 'object') return refuse(503, 'secret_unreadable', secret.unreadable);
    if (!secret) return refuse(503, 'internal_error', `the signing secret ${spec.secret} is not set`);
    const verdict = await verifySignature({
      scheme: spec.signature,
      secret,
      body,
      headers,
      now: Math.floor(ports.clock.now() / 1000),
      toleranceS: spec.signature === 'slack' ? 300 : durationMs(spec.tolerance) / 1000,
      header: spec.header?.toLowerCase(),
      prefix: spec.prefix,
      encoding: spec.encoding,
      timestampHeader: spec.signature === 'hmac-sha256' ? spec.timestamp_header : undefined,
    });
    if (!verdict.ok) return refuse(401, 'unauthorized', verdict.reason);
  }

  const contentType = headers['content-type'] ?? '';
  const text = new TextDecoder().decode(body);
  // GitHub's form-encoded deliveries carry the JSON event in the `payload` field; the signature covered the raw form.
  const githubJson =
    isForm(contentType) && (spec.signature === 'github' || 'x-github-event' in headers)
      ? new URLSearchParams(text).get('payload')
      : null;
  const json = githubJson ?? (isForm(contentType) ? null : text);
  if (json !== null && jsonTextDeeperThan(json, MAX_JSON_DEPTH))
    return refuse(400, 'bad_request', tooDeepMessage('the webhook body'));
  const payload = githubJson === null ? parseBody(text, contentType) : parseJson(githubJson);
  if (payload === undefined)
    return refuse(400, 'bad_request', 'the form field `payload` of a GitHub delivery is not JSON');
  if (spec.signature === 'slack' && isRecord(payload) && payload.type === 'url_verification') {
    await record('ignored', { reason: 'url_verification answered' });
    return { status: 200, body: { challenge: payload.challenge ?? null } };
  }
  // The hash of what the sender signed: the raw body, or `<timestamp>.<body>` with timestamp_header.
  const timestamp =
    spec.signature === 'hmac-sha256' && spec.timestamp_header
      ? headers[spec.timestamp_header.toLowerCase()]
      : undefined;
  const bodyHash = await sha256Hex(timestamp === undefined ? body : withPrefix(`${timestamp}.`, body));
  const deliveryId = deliveryIdOf(spec, headers, payload, bodyHash);
  const context = {
    body: payload,
    headers: Object.fromEntries(Object.entries(headers).filter(([k]) => !hidden.has(k))),
  };
  if (spec.filter && !(await evaluateCondition(spec.filter, context, 'webhook.filter'))) {
    await record('ignored', { reason: 'filter: false', deliveryId });
    return { status: 202, body: { ignored: true, reason: "the trigger's filter is false for this delivery" } };
  }
  const input = spec.input ? ((await render(spec.input, context, 'webhook.input')) as Record<string, unknown>) : {};
  // A replay of a signed body under a fresh (unsigned) delivery id lands on the first delivery's run.
  const key = `webhook:${workflow}:${deliveryId}`;
  const holder = await ports.deliveries.claimBody(tenantId, { workflow, bodyHash, key }, ports.clock.now());
  let started: Awaited<ReturnType<typeof startRun>>;
  try {
    started = await startRun(ports, tenantId, {
      workflow,
      input,
      trigger: { type: 'webhook', webhook: { ...context, deliveryId } },
      idempotencyKey: holder,
      priority: spec.priority,
    });
  } catch (err) {
    // Past the workflow's rate_limit: recorded, and the sender is told when to try again.
    if (!(err instanceof BatonError) || err.code !== 'rate_limited') throw err;
    await record('rate_limited', { deliveryId, reason: err.message });
    const seconds = retryAfterSeconds(err.details);
    return {
      status: 429,
      body: { error: { code: err.code, message: err.message, details: err.details } },
      ...(seconds ? { headers: { 'Retry-After': String(seconds) } } : {}),
    };
  }
  const { runId, created, startError } = started;
  if (started.skipped) {
    await record('skipped', { runId, deliveryId, reason: `singleton: run ${runId} is active` });
    return { status: 200, body: { skipped: true, runId } };
  }
  const reason = startError
    ? `the RunObject did not start (${startError}); the start sweeper starts or fails the run within a minute`
    : !created && holder !== key
      ? `same body as an earlier delivery within ${BODY_REPLAY_WINDOW_H} h`
      : undefined;
  await record(created ? 'accepted' : 'duplicate', { runId, deliveryId, reason });
  return { status: 202, body: created ? { runId } : { runId, duplicate: true } };
}

/** The trigger's signing secret, undefined when unset, or why a stored one cannot be read. */
async function signingSecret(
  secrets: SecretStore,
  tenantId: string,
  name: string,
): Promise<string | undefined | { unreadable: string }> {
  try {
    return await secrets.get(tenantId, name);
  } catch (err) {
    if (err instanceof BatonError && err.code === 'secret_unreadable') return { unreadable: err.message };
    throw err;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** `prefix` (UTF-8) followed by `bytes`. */
function withPrefix(prefix: string, bytes: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(prefix);
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

function isForm(contentType: string): boolean {
  return contentType.includes('application/x-www-form-urlencoded');
}

/** A GitHub `payload` form field as JSON. @returns undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // a RangeError cannot happen: the depth was bounded before
  }
}

/**
 * JSON bodies as objects, form-encoded ones (Slack commands) as fields, anything else as text.
 * (A GitHub form delivery, `payload=<JSON>`, is parsed before: "Content type" in
 * https://docs.github.com/en/marketplace/listing-on-github-marketplace/configuring-the-github-marketplace-webhook)
 */
function parseBody(text: string, contentType: string): unknown {
  if (isForm(contentType)) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON (a RangeError cannot happen: the depth was bounded before)
  }
}

/** The scheme's delivery id: X-GitHub-Delivery, the Stripe event id, Slack's event_id, a configured header, else the body hash. */
function deliveryIdOf(spec: Spec, headers: Record<string, string>, payload: unknown, bodyHash: string): string {
  const fromBody = (key: string) =>
    isRecord(payload) && typeof payload[key] === 'string' ? (payload[key] as string) : undefined;
  const id =
    spec.signature === 'github'
      ? headers['x-github-delivery']
      : spec.signature === 'stripe'
        ? fromBody('id')
        : spec.signature === 'slack'
          ? fromBody('event_id')
          : spec.delivery_header
            ? headers[spec.delivery_header.toLowerCase()]
            : undefined;
  return id || `sha256:${bodyHash}`;
}
