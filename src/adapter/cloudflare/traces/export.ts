import type { RunState } from '../../../core/engine/index';
import { otlpTraceRequest } from '../../../core/otlp-json';
import { runSpans } from '../../../core/traces';
import { sha256Hex } from '../../../lib/hash';
import type { AppEnv } from '../env';

/** A run whose trace is due for export (the `traces` Queue). */
export interface TraceMessage {
  tenantId: string;
  runId: string;
}

/** An export the collector has not answered within this long is retried, ms. */
export const EXPORT_TIMEOUT_MS = 10_000;
/** Longest wait between retries while the collector is down, s (the Queue retries up to 100 times). */
export const MAX_RETRY_DELAY_S = 300;

/** Where traces go: the traces endpoint as given, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`; null when unset. */
export function tracesUrl(env: AppEnv): string | null {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : null;
}

/**
 * `OTEL_EXPORTER_OTLP_HEADERS` as headers: `key=value` pairs, comma-separated, values URL-encoded
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/#specifying-headers-via-environment-variables).
 * A pair without `=` is left out.
 */
export function exportHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // a malformed escape: that header is left out (its value is never logged: it may be a key)
    }
  }
  return headers;
}

/** Queues the export of an ended run's trace (from the run's outbox); nothing when no collector is configured. */
export async function queueTraceExport(env: AppEnv, tenantId: string, runId: string): Promise<void> {
  if (!tracesUrl(env)) return;
  await env.TRACES.send({ tenantId, runId } satisfies TraceMessage, { contentType: 'json' });
}

/** The run's OTLP export request: trace id from the run id, span ids from the span keys (SHA-256, so exports repeat them). */
export async function traceRequestOf(env: AppEnv, tenantId: string, state: RunState) {
  const spans = runSpans(state);
  const traceId = (await sha256Hex(`trace:${state.runId}`)).slice(0, 32);
  const ids = new Map(
    await Promise.all(
      spans.map(async (s) => [s.key, (await sha256Hex(`${state.runId}/${s.key}`)).slice(0, 16)] as const),
    ),
  );
  return otlpTraceRequest(
    spans,
    traceId,
    ids,
    { 'service.name': env.OTEL_SERVICE_NAME || 'baton', 'baton.tenant.id': tenantId },
    { name: 'baton' },
  );
}

/**
 * The `traces` Queue consumer: exports each run's trace as OTLP/HTTP JSON. A collector that is down
 * (a network error, 429, 5xx, no answer within {@link EXPORT_TIMEOUT_MS}) gets the message again
 * with exponential backoff (2 s, 4 s, … up to {@link MAX_RETRY_DELAY_S}); a run that no longer
 * exists, or a request the collector refuses (other 4xx, which the OTLP spec says not to retry),
 * is dropped and logged.
 */
export async function consumeTraces(batch: MessageBatch<TraceMessage>, env: AppEnv): Promise<void> {
  const url = tracesUrl(env);
  for (const message of batch.messages) {
    if (!url) {
      message.ack();
      continue;
    }
    const { tenantId, runId } = message.body;
    try {
      const state = await env.RUNS.get(env.RUNS.idFromName(runId)).snapshot();
      if (!state) {
        message.ack();
        continue;
      }
      const answer = await fetch(url, {
        method: 'POST',
        headers: { ...exportHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), 'content-type': 'application/json' },
        body: JSON.stringify(await traceRequestOf(env, tenantId, state)),
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      await answer.body?.cancel();
      if (answer.ok) message.ack();
      else if (answer.status === 429 || answer.status >= 500) retry(message, `HTTP ${answer.status}`);
      else {
        console.error(`trace of run ${runId}: the collector refused it (HTTP ${answer.status}); dropped`);
        message.ack();
      }
    } catch (err) {
      retry(message, (err as Error).message);
    }
  }
}

function retry(message: Message<TraceMessage>, why: string): void {
  const delaySeconds = Math.min(MAX_RETRY_DELAY_S, 2 ** Math.min(message.attempts, 9));
  console.warn(`trace of run ${message.body.runId}: not exported (${why}); again in ${delaySeconds} s`);
  message.retry({ delaySeconds });
}
