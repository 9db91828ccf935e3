import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunObject } from '../../src/adapter/cloudflare/run/run-object';
import { MIRROR_INTERVAL_MS, OUTBOX_RETRY_MS } from '../../src/adapter/cloudflare/run/run-object';
import { eventually, putWorkflow, startRun, stubOf } from '../support/helpers';

/** The object's alarm, its earliest timer and its outbox rows' types, read together inside it. */
const wakeUps = (runId: string) =>
  runInDurableObject(stubOf(runId), async (_obj, state) => ({
    alarm: await state.storage.getAlarm(),
    timer: state.storage.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM timers').one().at,
    outbox: state.storage.sql
      .exec<{ entry: string }>('SELECT entry FROM outbox ORDER BY seq')
      .toArray()
      .map((r) => (JSON.parse(r.entry) as { type: string }).type),
  }));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** D1 "unavailable" for event waits: their table is away until {@link restoreWaits}. */
const breakWaits = () => env.DB.exec('ALTER TABLE event_waits RENAME TO event_waits_away');
const restoreWaits = () =>
  env.DB.prepare('ALTER TABLE event_waits RENAME TO event_waits')
    .run()
    .catch(() => undefined)
    .then(() => env.DB.exec('ALTER TABLE event_waits_away RENAME TO event_waits').catch(() => undefined));

afterEach(restoreWaits);

describe('the one alarm of a RunObject', () => {
  it('is the earliest of a timer and an outbox retry: a timer due before the retry keeps its time', async () => {
    await putWorkflow(
      'alarm-soon',
      'name: alarm-soon\nsteps: [ { id: wait, wait_for_event: { type: never, timeout: 1500ms } } ]',
    );
    await breakWaits();
    const runId = await startRun('alarm-soon');
    await eventually(async () => ((await wakeUps(runId)).timer !== null ? true : null));
    await pause(300); // the outbox run fails meanwhile (no event_waits table)
    const { alarm, timer, outbox } = await wakeUps(runId);
    expect(outbox).toContain('WaitForEvent');
    expect(timer).toBeGreaterThan(Date.now());
    expect(alarm).toBe(timer);
  });

  it('is the outbox retry while that comes before a far timer, and moves to the timer once the outbox is carried out', async () => {
    await putWorkflow(
      'alarm-retry',
      'name: alarm-retry\nsteps: [ { id: wait, wait_for_event: { type: never, timeout: 1h } } ]',
    );
    await breakWaits();
    const runId = await startRun('alarm-retry');
    await eventually(async () => ((await wakeUps(runId)).timer !== null ? true : null));
    await pause(300);
    const failed = await wakeUps(runId);
    expect(failed.outbox).toContain('WaitForEvent');
    expect(failed.alarm).not.toBeNull();
    expect(failed.alarm!).toBeLessThanOrEqual(Date.now() + OUTBOX_RETRY_MS);
    expect(failed.alarm!).toBeLessThan(failed.timer! - 3_000_000);
    await restoreWaits();
    expect(await runDurableObjectAlarm(stubOf(runId))).toBe(true);
    const after = await wakeUps(runId);
    expect(after.outbox).toEqual([]);
    expect(after.alarm).toBe(after.timer);
    expect(await env.DB.prepare('SELECT step_id FROM event_waits WHERE run_id = ?').bind(runId).first()).toEqual({
      step_id: 'wait',
    });
  });

  it("is the deferred mirror's safety wake-up before a far timer, and moves to the timer once the mirror is written", async () => {
    await putWorkflow(
      'alarm-mirror',
      [
        'name: alarm-mirror',
        'steps:',
        '  - id: fan',
        '    parallel:',
        '      - { id: a, wait_for_event: { type: go-a, timeout: 1h } }',
        '      - { id: b, wait_for_event: { type: go-b, timeout: 1h } }',
        '      - { id: c, wait_for_event: { type: go-c, timeout: 1h } }',
      ].join('\n'),
    );
    const runId = await startRun('alarm-mirror');
    await eventually(async () =>
      (await env.DB.prepare('SELECT status FROM runs WHERE id = ?').bind(runId).first<{ status: string }>())?.status ===
        'running' && (await wakeUps(runId)).outbox.length === 0
        ? true
        : null,
    );
    // Two changes in a row that leave the run's status as it is: the second one's mirror is deferred.
    const deferred = await runInDurableObject(stubOf(runId), async (obj: RunObject, state) => {
      await obj.deliverEvent('go-a', { n: 1 });
      await obj.deliverEvent('go-b', { n: 2 });
      const entries = state.storage.sql
        .exec<{ entry: string }>('SELECT entry FROM outbox')
        .toArray()
        .map((r) => (JSON.parse(r.entry) as { type: string }).type);
      return { entries, alarm: await state.storage.getAlarm(), now: Date.now() };
    });
    expect(deferred.entries.length).toBeGreaterThan(0);
    expect(new Set(deferred.entries)).toEqual(new Set(['Mirror']));
    expect(deferred.alarm).not.toBeNull();
    expect(deferred.alarm!).toBeGreaterThan(deferred.now + OUTBOX_RETRY_MS - 100);
    expect(deferred.alarm!).toBeLessThanOrEqual(deferred.now + MIRROR_INTERVAL_MS + OUTBOX_RETRY_MS);
    const written = await eventually(async () => {
      const w = await wakeUps(runId);
      return w.outbox.length === 0 ? w : null;
    }, 5_000);
    expect(written.timer).toBeGreaterThan(Date.now() + 3_000_000);
    expect(written.alarm).toBe(written.timer);
  });
});
