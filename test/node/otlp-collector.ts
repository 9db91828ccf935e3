import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/**
 * An OTLP/HTTP JSON trace receiver for the tests (the part of an OpenTelemetry Collector's `otlp`
 * receiver Baton uses: https://opentelemetry.io/docs/specs/otlp/#otlphttp), on the agent server:
 * - `POST /otlp/v1/traces`   → 200 `{}` for a well-formed `ExportTraceServiceRequest`, 400 naming
 *   the problem otherwise, 503 while down; spans are kept by trace and span id (a repeated export
 *   replaces them, as a backend dedupes)
 * - `GET  /otlp/runs/:runId`  → `{ spans, resource }` of the trace whose root has `baton.run.id`
 * - `GET  /otlp/stats`        → `{ accepted, refused }` requests
 * - `PUT  /otlp/down`         → answers 503 from now on; `DELETE` → up again
 */

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const AnyValue = z.union([
  z.strictObject({ stringValue: z.string() }),
  z.strictObject({ intValue: z.union([z.string().regex(/^-?\d+$/), z.number().int()]) }),
  z.strictObject({ doubleValue: z.number() }),
  z.strictObject({ boolValue: z.boolean() }),
]);
const KeyValue = z.strictObject({ key: z.string().min(1), value: AnyValue });
const Span = z.strictObject({
  traceId: hex(32),
  spanId: hex(16),
  parentSpanId: hex(16).optional(),
  name: z.string().min(1),
  kind: z.number().int().min(0).max(5),
  startTimeUnixNano: z.string().regex(/^\d+$/),
  endTimeUnixNano: z.string().regex(/^\d+$/),
  attributes: z.array(KeyValue),
  status: z.strictObject({ code: z.number().int().min(0).max(2), message: z.string().optional() }),
});
const ExportTraceServiceRequest = z.strictObject({
  resourceSpans: z.array(
    z.strictObject({
      resource: z.strictObject({ attributes: z.array(KeyValue) }),
      scopeSpans: z.array(
        z.strictObject({
          scope: z.strictObject({ name: z.string(), version: z.string().optional() }),
          spans: z.array(Span),
        }),
      ),
    }),
  ),
});
export type CollectedSpan = z.infer<typeof Span>;

const traces = new Map<string, { resource: z.infer<typeof KeyValue>[]; spans: Map<string, CollectedSpan> }>();
const stats = { accepted: 0, refused: 0 };
let down = false;

/** A string attribute of a span, or undefined. */
function stringAttr(span: CollectedSpan, key: string): string | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && 'stringValue' in value ? value.stringValue : undefined;
}

/** @returns whether the request was the collector's. */
export function handleOtlp(req: IncomingMessage, res: ServerResponse, body: string): boolean {
  const url = req.url ?? '';
  if (!url.startsWith('/otlp/')) return false;
  const answer = (status: number, payload: unknown): true => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
    return true;
  };
  if (url === '/otlp/down') {
    down = req.method === 'PUT';
    return answer(200, { down });
  }
  if (url === '/otlp/stats') return answer(200, stats);
  if (req.method === 'GET' && url.startsWith('/otlp/runs/')) {
    const runId = decodeURIComponent(url.slice('/otlp/runs/'.length));
    for (const trace of traces.values()) {
      const spans = [...trace.spans.values()];
      if (spans.some((s) => !s.parentSpanId && stringAttr(s, 'baton.run.id') === runId))
        return answer(200, { spans, resource: trace.resource });
    }
    return answer(404, { error: 'no trace of that run' });
  }
  if (req.method !== 'POST' || url !== '/otlp/v1/traces') return answer(404, { error: 'not found' });
  if (down) {
    stats.refused++;
    return answer(503, { error: 'collector down' });
  }
  if (req.headers['content-type'] !== 'application/json') return answer(415, { error: 'expected application/json' });
  let parsed: z.infer<typeof ExportTraceServiceRequest>;
  try {
    parsed = ExportTraceServiceRequest.parse(JSON.parse(body));
  } catch (err) {
    return answer(400, { error: String(err) });
  }
  stats.accepted++;
  for (const rs of parsed.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        const trace = traces.get(span.traceId) ?? { resource: rs.resource.attributes, spans: new Map() };
        trace.spans.set(span.spanId, span);
        traces.set(span.traceId, trace);
      }
  return answer(200, {});
}
