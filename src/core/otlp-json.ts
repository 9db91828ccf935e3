import type { AttributeValue, TraceSpan } from './traces';

/**
 * The OTLP/HTTP JSON encoding of a trace export (an `ExportTraceServiceRequest`), as the
 * OpenTelemetry protocol specifies it (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * field names in lowerCamelCase, trace and span ids as hex strings, 64-bit times as decimal
 * strings of Unix nanoseconds, enums as their integers.
 */

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status: { code: number; message?: string };
}
export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpSpan[] }[];
  }[];
}

function anyValue(v: AttributeValue): OtlpAnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/** Attributes as OTLP key-values. */
export function keyValues(attrs: Record<string, AttributeValue>): OtlpKeyValue[] {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));
}

/** Epoch ms as OTLP's Unix nanoseconds, a decimal string. */
const nanos = (ms: number) => `${Math.max(0, Math.round(ms))}000000`;

/**
 * One export request holding one trace.
 * @param traceId 32 lower-case hex digits; `spanIds` 16 per span key.
 * @throws Error when a span's key has no id (a programming error).
 */
export function otlpTraceRequest(
  spans: readonly TraceSpan[],
  traceId: string,
  spanIds: ReadonlyMap<string, string>,
  resource: Record<string, AttributeValue>,
  scope: { name: string; version?: string },
): OtlpTraceRequest {
  const id = (key: string) => {
    const found = spanIds.get(key);
    if (!found) throw new Error(`no span id for ${key}`);
    return found;
  };
  // A span whose parent has no span (a block that never recorded a start) hangs off the root.
  const root = spans.find((s) => s.parentKey === null)?.key;
  const parentOf = (s: TraceSpan) =>
    s.parentKey === null ? null : spanIds.has(s.parentKey) ? s.parentKey : (root ?? null);
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues(resource) },
        scopeSpans: [
          {
            scope,
            spans: spans.map((s) => ({
              traceId,
              spanId: id(s.key),
              ...(parentOf(s) ? { parentSpanId: id(parentOf(s)!) } : {}),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(Math.max(s.endMs, s.startMs)),
              attributes: keyValues(s.attributes),
              status: s.status,
            })),
          },
        ],
      },
    ],
  };
}
