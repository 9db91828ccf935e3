import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../../src/core/engine/index';
import { outboxCommandOf } from '../../../src/adapter/cloudflare/run/outbox-command';
import { outboxOf } from '../../../src/adapter/cloudflare/run/outbox';
import { eventually, putWorkflow, startRun, stubOf } from '../../support/helpers';

const timer = { id: 'retry:a:1', kind: 'retry' as const, stepId: 'a', attempt: 1, at: 5 };
const error = { code: 'agent_error' as const, message: 'x', retryable: false };

describe("the outbox stores the engine's commands", () => {
  it('keeps each outside command as the engine wrote it, skips timers and lane dispatches, and one run end without its output', () => {
    const commands: Command[] = [
      { type: 'DispatchStep', stepId: 'a', attempt: 1, kind: 'http', timeoutMs: 1000 },
      { type: 'DispatchStep', stepId: 'lane', attempt: 2, kind: 'agent', timeoutMs: 9 },
      { type: 'SetTimer', timer },
      { type: 'CancelTimer', timerId: timer.id },
      { type: 'StartChildRun', stepId: 'c', attempt: 1, workflow: 'child', input: { n: 1 } },
      { type: 'WaitForEvent', stepId: 'w', eventType: 'e' },
      { type: 'StopWaiting', stepId: 'w' },
      { type: 'CompleteRun', output: { big: 'x'.repeat(1000) } },
      { type: 'FailRun', error },
    ];
    expect(outboxOf(commands, new Set(['lane#2']))).toEqual([
      commands[0],
      commands[4],
      commands[5],
      commands[6],
      { type: 'CompleteRun', output: undefined },
    ]);
  });

  it('translates the rows written before one vocabulary (a run in flight may hold them)', () => {
    expect(outboxCommandOf({ type: 'Dispatch', stepId: 'a', attempt: 2 }, undefined)).toMatchObject({
      type: 'DispatchStep',
      stepId: 'a',
      attempt: 2,
    });
    expect(
      outboxCommandOf({ type: 'StartChild', stepId: 'c', attempt: 1, workflow: 'child', input: {} }, undefined),
    ).toEqual({ type: 'StartChildRun', stepId: 'c', attempt: 1, workflow: 'child', input: {} });
    expect(outboxCommandOf({ type: 'Wait', stepId: 'w', eventType: 'e' }, undefined)).toEqual({
      type: 'WaitForEvent',
      stepId: 'w',
      eventType: 'e',
    });
    expect(outboxCommandOf({ type: 'StopWait', stepId: 'w' }, undefined)).toEqual({ type: 'StopWaiting', stepId: 'w' });
    expect(outboxCommandOf({ type: 'Finish' }, undefined).type).toMatch(/^(CompleteRun|FailRun|CancelRun)$/);
    expect(outboxCommandOf({ type: 'Mirror', steps: ['a'] }, undefined)).toEqual({ type: 'Mirror', steps: ['a'] });
  });

  it("carries out an old-shape row left in a RunObject's outbox by a crash", async () => {
    await putWorkflow(
      'legacy-outbox',
      'name: legacy-outbox\nsteps: [ { id: w, wait_for_event: { type: legacy.first } } ]',
    );
    const runId = await startRun('legacy-outbox');
    const waits = () =>
      env.DB.prepare('SELECT event_type FROM event_waits WHERE run_id = ?').bind(runId).all<{ event_type: string }>();
    await eventually(async () => ((await waits()).results.length ? true : null));
    await env.DB.prepare('DELETE FROM event_waits WHERE run_id = ?').bind(runId).run();
    const stub = stubOf(runId);
    await runInDurableObject(stub, async (_obj, state) => {
      state.storage.sql.exec(
        'INSERT INTO outbox (entry) VALUES (?)',
        JSON.stringify({ type: 'Wait', stepId: 'w', eventType: 'legacy.second' }),
      );
      await state.storage.setAlarm(Date.now() + 60_000); // the safety net a commit arms, run below at once
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await waits()).results).toEqual([{ event_type: 'legacy.second' }]);
    const left = await runInDurableObject(
      stub,
      (_obj, state) => state.storage.sql.exec('SELECT COUNT(*) AS n FROM outbox').one().n,
    );
    expect(left).toBe(0);
  });
});
