import { describe, expect, it } from 'vitest';
import { flowKey } from '../../src/core/flow/keys';
import { MAX_FLOW_KEY_LENGTH } from '../../src/schemas/flow';

const clock = { now: Date.UTC(2026, 11, 2, 9, 30), random: () => 0.25 };
const api = { type: 'api' as const };

describe('flowKey', () => {
  it('is the empty group without a template, and the rendered text with one', async () => {
    expect(await flowKey(undefined, { trigger: api, inputs: { customer: 'a' } }, 'concurrency.key', clock)).toBe('');
    expect(await flowKey('{{ inputs.customer }}', { trigger: api, inputs: { customer: 'acme' } }, 'k', clock)).toBe(
      'acme',
    );
    expect(
      await flowKey('{{ trigger.type }}/{{ inputs.n }}', { trigger: api, inputs: { n: 7 } }, 'throttle.key', clock),
    ).toBe('api/7');
  });

  it('reads the start clock, not the machine clock', async () => {
    expect(await flowKey('{{ $now() }}', { trigger: api, inputs: {} }, 'k', clock)).toBe('2026-12-02T09:30:00.000Z');
  });

  it('treats a missing value as the empty group and an object as its JSON text', async () => {
    expect(await flowKey('{{ inputs.nope }}', { trigger: api, inputs: {} }, 'k', clock)).toBe('');
    expect(await flowKey('{{ inputs.o }}', { trigger: api, inputs: { o: { a: 1 } } }, 'k', clock)).toBe('{"a":1}');
  });

  it('cuts long keys to a bounded prefix plus a hash that keeps distinct keys distinct', async () => {
    const long = (tail: string) =>
      flowKey('{{ inputs.s }}', { trigger: api, inputs: { s: 'x'.repeat(5000) + tail } }, 'k', clock);
    const [a, b] = [await long('a'), await long('b')];
    expect(a.length).toBe(MAX_FLOW_KEY_LENGTH);
    expect(a).not.toBe(b);
    expect(await long('a')).toBe(a);
  });

  it('throws naming the path when the template fails', async () => {
    await expect(flowKey('{{ $error("no") }}', { trigger: api, inputs: {} }, 'singleton.key', clock)).rejects.toThrow(
      /singleton\.key/,
    );
  });
});
