import { describe, expect, it } from 'vitest';
import { runIdOf, startRun } from '../../src/app/start-run';
import { BatonError } from '../../src/core/errors';
import { addWorkflow, memoryHost } from './memory-ports';

const YAML = `name: greet
inputs: { who: { type: string, required: true }, times: { type: number, default: 1 } }
steps: [ { id: hello, agent: echo, input: "hi {{ inputs.who }}" } ]`;

describe('startRun (use case on in-memory ports)', () => {
  it('records a queued run with defaults applied and starts its object with the definition', async () => {
    const h = memoryHost();
    addWorkflow(h, YAML);
    const result = await startRun(h.ports, 't1', {
      workflow: 'greet',
      input: { who: 'Ada' },
      trigger: { type: 'api' },
    });
    expect(result).toEqual({ runId: runIdOf(h.now, '00000001-0000-4000-8000-000000000000'), created: true });
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0]).toMatchObject({
      id: result.runId,
      workflowName: 'greet',
      version: 1,
      input: { who: 'Ada', times: 1 },
      createdAt: '2026-01-01T00:00:00.000Z',
      idempotencyKey: null,
    });
    expect(h.started).toEqual([
      expect.objectContaining({
        tenantId: 't1',
        runId: result.runId,
        workflow: 'greet',
        inputs: { who: 'Ada', times: 1 },
        createdAt: h.now,
      }),
    ]);
  });

  it('the same idempotency key answers the first run: one record, created false', async () => {
    const h = memoryHost();
    addWorkflow(h, YAML);
    const request = {
      workflow: 'greet',
      input: { who: 'Ada' },
      trigger: { type: 'api' as const },
      idempotencyKey: 'k-1',
    };
    const first = await startRun(h.ports, 't1', request);
    h.now += 1000;
    const again = await startRun(h.ports, 't1', request);
    expect(again).toEqual({ runId: first.runId, created: false });
    expect(h.runs).toHaveLength(1);
    // start() is asked again for the same run (a no-op there, unless the first start was lost).
    expect(h.started.map((s) => s.runId)).toEqual([first.runId, first.runId]);
    const other = await startRun(h.ports, 't1', { ...request, idempotencyKey: 'k-2' });
    expect(other.created).toBe(true);
    expect(other.runId).not.toBe(first.runId);
  });

  it('refuses an unknown workflow (not_found) and input that does not match (bad_request, issues by path)', async () => {
    const h = memoryHost();
    addWorkflow(h, YAML);
    await expect(
      startRun(h.ports, 't1', { workflow: 'nope', input: {}, trigger: { type: 'api' } }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      startRun(h.ports, 't1', { workflow: 'greet', version: 2, input: {}, trigger: { type: 'api' } }),
    ).rejects.toMatchObject({ code: 'not_found', message: 'workflow greet version 2 does not exist' });
    const err = await startRun(h.ports, 't1', {
      workflow: 'greet',
      input: { times: 'x' },
      trigger: { type: 'api' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatonError);
    expect((err as BatonError).details).toEqual({
      issues: [
        { path: 'input.who', message: 'required string is missing' },
        { path: 'input.times', message: 'expected number, got string' },
      ],
    });
    expect(h.runs).toHaveLength(0);
  });

  it('a RunObject that does not start leaves the run recorded and answers startError', async () => {
    const h = memoryHost();
    addWorkflow(h, YAML);
    h.startFails = 'the RunObject did not start within 10000 ms';
    const result = await startRun(h.ports, 't1', {
      workflow: 'greet',
      input: { who: 'Ada' },
      trigger: { type: 'api' },
    });
    expect(result).toMatchObject({ created: true, startError: 'the RunObject did not start within 10000 ms' });
    expect(h.runs.map((r) => r.id)).toEqual([result.runId]);
  });
});
