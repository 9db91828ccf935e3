import { describe, expect, it } from 'vitest';
import { otlpTraceRequest } from '../../src/core/otlp-json';
import type { TraceSpan } from '../../src/core/traces';

const span = (over: Partial<TraceSpan>): TraceSpan => ({
  key: 'run',
  parentKey: null,
  name: 'run x',
  kind: 1,
  startMs: 1_700_000_000_123,
  endMs: 1_700_000_000_456,
  attributes: {},
  status: { code: 0 },
  ...over,
});

describe('OTLP/HTTP JSON encoding', () => {
  it('writes ids as hex, times as decimal nanoseconds, integers as strings and other numbers as doubles', () => {
    const request = otlpTraceRequest(
      [
        span({ attributes: { 'a.s': 'x', 'a.i': 42, 'a.d': 0.25, 'a.b': true } }),
        span({ key: 'child', parentKey: 'run', name: 'c', endMs: 1 }),
      ],
      'ab'.repeat(16),
      new Map([
        ['run', '01'.repeat(8)],
        ['child', '02'.repeat(8)],
      ]),
      { 'service.name': 'baton' },
      { name: 'baton' },
    );
    const [root, child] = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(root).toMatchObject({
      traceId: 'ab'.repeat(16),
      spanId: '01'.repeat(8),
      startTimeUnixNano: '1700000000123000000',
      endTimeUnixNano: '1700000000456000000',
      attributes: [
        { key: 'a.s', value: { stringValue: 'x' } },
        { key: 'a.i', value: { intValue: '42' } },
        { key: 'a.d', value: { doubleValue: 0.25 } },
        { key: 'a.b', value: { boolValue: true } },
      ],
    });
    expect(root).not.toHaveProperty('parentSpanId');
    expect(child).toMatchObject({ parentSpanId: '01'.repeat(8), endTimeUnixNano: child!.startTimeUnixNano });
    expect(request.resourceSpans[0]!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'baton' } },
    ]);
  });

  it('refuses a span whose key has no id', () => {
    expect(() => otlpTraceRequest([span({})], 'ab'.repeat(16), new Map(), {}, { name: 'baton' })).toThrow(/no span id/);
  });
});
