import { describe, expect, it } from 'vitest';
import { startRun } from '../../src/app/start-run';
import type { HeldTrigger } from '../../src/ports';
import { addWorkflow, memoryHost } from './memory-ports';

const YAML = `name: calm
debounce: { period: 2s, key: "{{ inputs.who }}" }
inputs: { who: { type: string, required: true } }
steps: [ { id: hello, agent: echo, input: "hi {{ inputs.who }}" } ]`;

/** An in-memory buffer: one run per key, a repeated idempotency key is a duplicate. */
function withBuffer() {
  const h = memoryHost();
  addWorkflow(h, YAML);
  const held: HeldTrigger[] = [];
  const seen = new Set<string>();
  h.ports.buffer = {
    async hold(trigger) {
      held.push(trigger);
      const duplicate = trigger.idempotencyKey !== undefined && seen.has(trigger.idempotencyKey);
      if (trigger.idempotencyKey) seen.add(trigger.idempotencyKey);
      const size = held.filter((t) => t.key === trigger.key).length;
      return { runId: `run_${trigger.key}`, size, ...(duplicate ? { duplicate } : {}) };
    },
  };
  return { h, held };
}

describe('startRun with a debounce or batch rule', () => {
  it('holds the trigger with its rendered key and the rule; every new trigger is created, a repeat is not', async () => {
    const { h, held } = withBuffer();
    const start = (key?: string) =>
      startRun(h.ports, 't1', {
        workflow: 'calm',
        input: { who: 'ada' },
        trigger: { type: 'api' },
        ...(key ? { idempotencyKey: key } : {}),
      });
    expect(await start('k1')).toEqual({ runId: 'run_ada', created: true, held: { rule: 'debounce', size: 1 } });
    expect(await start('k2')).toEqual({ runId: 'run_ada', created: true, held: { rule: 'debounce', size: 2 } });
    expect(await start('k1')).toMatchObject({ runId: 'run_ada', created: false });
    expect(held[0]).toMatchObject({
      tenantId: 't1',
      workflow: 'calm',
      version: 1,
      rule: 'debounce',
      key: 'ada',
      input: { who: 'ada' },
      spec: { period: '2s', key: '{{ inputs.who }}' },
      idempotencyKey: 'k1',
    });
    expect(h.runs).toEqual([]);
  });

  it('a released run and a sub-workflow start are recorded and started, not held', async () => {
    const { h, held } = withBuffer();
    const released = await startRun(h.ports, 't1', {
      workflow: 'calm',
      input: { who: 'ada' },
      trigger: { type: 'api' },
      runId: 'run_given',
      released: true,
    });
    expect(released).toEqual({ runId: 'run_given', created: true });
    expect(h.runs[0]).toMatchObject({ id: 'run_given', idempotencyKey: 'run:run_given' });
    const child = await startRun(h.ports, 't1', {
      workflow: 'calm',
      input: { who: 'bo' },
      trigger: { type: 'api' },
      parent: { runId: 'run_parent', stepId: 'child', attempt: 1 },
    });
    expect(child.held).toBeUndefined();
    expect(h.runs).toHaveLength(2);
    expect(held).toEqual([]);
  });
});
