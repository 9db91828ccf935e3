import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { SlotRequest } from '../../src/adapter/cloudflare/agent-slots';
import { eventually } from '../support/helpers';

const request = (runId: string, priority: number, enqueuedAt: number, max = 1): SlotRequest => ({
  runId,
  stepId: 'call',
  attempt: 1,
  priority,
  enqueuedAt,
  max,
  timeLeftMs: 60_000,
});

describe('AgentSlots: the slots of one agent', () => {
  it('grants up to max, queues by priority then age, and is idempotent per call', async () => {
    const slots = env.SLOTS.get(env.SLOTS.idFromName('default:slots-order'));
    expect(await slots.acquire(request('r1', 5, 1))).toEqual({ granted: true, lease: 'r1:call:1' });
    expect(await slots.acquire(request('r2', 1, 2))).toEqual({ queued: true, position: 1 });
    expect(await slots.acquire(request('r3', 9, 3))).toEqual({ queued: true, position: 1 });
    expect(await slots.acquire(request('r4', 9, 4))).toEqual({ queued: true, position: 2 });
    // Asking again keeps one's lease, or one's place.
    expect(await slots.acquire(request('r1', 5, 1))).toEqual({ granted: true, lease: 'r1:call:1' });
    expect(await slots.acquire(request('r2', 1, 2))).toEqual({ queued: true, position: 3 });
    expect(await slots.status()).toEqual({ max: 1, holding: 1, waiting: 3 });
    // A larger max (a new version of the agent) lets the head in at once.
    expect(await slots.acquire(request('r5', 5, 5, 2))).toEqual({ queued: true, position: 2 });
    // The grants go to runs that do not exist (stale): each is dropped in turn; r1 keeps its slot.
    await eventually(async () => {
      const status = await slots.status();
      return status.holding === 1 && status.waiting === 0 ? true : undefined;
    });
    expect(await slots.acquire(request('r6', 5, 6, 2))).toEqual({ granted: true, lease: 'r6:call:1' });
    expect(await slots.acquire(request('r7', 5, 7, 2))).toEqual({ queued: true, position: 1 });
  });

  it('takes back the lease of a holder that died, and skips grants whose run no longer waits', async () => {
    const slots = env.SLOTS.get(env.SLOTS.idFromName('default:slots-expiry'));
    await slots.acquire(request('gone-1', 5, 1));
    await slots.acquire(request('gone-2', 5, 2));
    expect(await slots.status()).toMatchObject({ holding: 1, waiting: 1 });
    // The holder's process died: its lease runs out.
    await runInDurableObject(slots, (_, state) => {
      state.storage.sql.exec('UPDATE holders SET expires_at = 0');
    });
    await runDurableObjectAlarm(slots);
    // gone-2 got the slot; its run (no such RunObject) answered stale, so the slot is free again.
    await eventually(async () => {
      await runDurableObjectAlarm(slots);
      const status = await slots.status();
      return status.holding === 0 && status.waiting === 0 ? true : undefined;
    });
    expect(await slots.acquire(request('next', 5, 3))).toEqual({ granted: true, lease: 'next:call:1' });
    await slots.release('next:call:1');
    expect(await slots.status()).toEqual({ max: 1, holding: 0, waiting: 0 });
  });

  it('keeps its holders and waiters when the object is killed (storage, not memory)', async () => {
    const slots = env.SLOTS.get(env.SLOTS.idFromName('default:slots-kill'));
    await slots.acquire(request('k1', 5, 1));
    await slots.acquire(request('k2', 5, 2));
    // As after kill -9: the instance is gone, a new one starts from storage.
    await Promise.resolve(runInDurableObject(slots, (_, state) => state.abort('simulated crash'))).catch(
      () => undefined,
    );
    const again = env.SLOTS.get(env.SLOTS.idFromName('default:slots-kill'));
    expect(await again.status()).toEqual({ max: 1, holding: 1, waiting: 1 });
    expect(await again.acquire(request('k2', 5, 2))).toEqual({ queued: true, position: 1 });
  });
});
