import { durationMs } from '../definition/duration';
import type { Batch, Debounce } from '../../schemas/flow';

/**
 * The pure timing of a trigger buffer (`debounce`, `batch`; src/schemas/flow.ts): given the open
 * burst or batch, the rule, an arriving trigger and `now` (epoch ms), what the buffer holds next
 * and when it releases its run.
 */

/** Largest held trigger (its trigger and input as JSON), bytes: a bigger one is refused. */
export const MAX_HELD_TRIGGER_BYTES = 256 * 1024;
/** Largest batch run's `trigger.batch` (JSON), bytes: a trigger that would pass it closes the batch and opens the next. */
export const MAX_BATCH_BYTES = 768 * 1024;

/** A buffer's rule as the definition gives it. */
export type BufferRule = { rule: 'debounce'; spec: Debounce } | { rule: 'batch'; spec: Batch };

/** The burst (debounce) or batch a buffer holds open: its run id and what it gathered so far. */
export interface OpenBuffer {
  runId: string;
  /** When its first trigger came, epoch ms. */
  openedAt: number;
  /** When its latest trigger came, epoch ms. */
  lastAt: number;
  /** Triggers it holds (a debounce keeps only the last one's input, but counts every trigger). */
  size: number;
  /** What its run's trigger data weighs (JSON), bytes: the last entry (debounce) or every entry (batch). */
  bytes: number;
  /** When it is to be released, epoch ms. */
  releaseAt: number;
}

/** What holding one more trigger does. */
export interface HoldDecision {
  /** The burst or batch the trigger joined (a new one when `opened`). */
  open: OpenBuffer;
  opened: boolean;
  /** An earlier batch this trigger closed (it would have grown past {@link MAX_BATCH_BYTES}): released now. */
  closed?: OpenBuffer;
}

/**
 * Whether `open` is due at `now`: past its release time (or full), it takes no more triggers and
 * a trigger that comes opens the next one.
 */
export function isDue(open: OpenBuffer, now: number): boolean {
  return open.releaseAt <= now;
}

/**
 * Holds one trigger of `bytes` (its trigger and input as JSON) at `now`.
 * Debounce: the burst's release moves to `period` after this trigger, capped at `max_wait` after
 * its first. Batch: released at once when it reaches `max_size`, else `timeout` after its first.
 * @param open the buffer's open burst or batch, if any (a due one counts as none).
 * @param newRunId the run id for a burst or batch this trigger opens.
 * @throws RangeError when `bytes` exceeds {@link MAX_HELD_TRIGGER_BYTES}.
 */
export function holdTrigger(
  open: OpenBuffer | undefined,
  rule: BufferRule,
  bytes: number,
  now: number,
  newRunId: string,
): HoldDecision {
  if (bytes > MAX_HELD_TRIGGER_BYTES)
    throw new RangeError(`a held trigger is limited to ${MAX_HELD_TRIGGER_BYTES} bytes (this one has ${bytes})`);
  const current = open && !isDue(open, now) ? open : undefined;
  if (rule.rule === 'debounce') {
    const base = current ?? { runId: newRunId, openedAt: now, size: 0 };
    return {
      open: {
        ...base,
        lastAt: now,
        size: base.size + 1,
        bytes,
        releaseAt: debounceReleaseAt(rule.spec, base.openedAt, now),
      },
      opened: !current,
    };
  }
  if (current && current.bytes + bytes > MAX_BATCH_BYTES) {
    return {
      open: batchOf(rule.spec, newRunId, now, now, 1, bytes),
      opened: true,
      closed: { ...current, releaseAt: now },
    };
  }
  if (!current) return { open: batchOf(rule.spec, newRunId, now, now, 1, bytes), opened: true };
  return {
    open: batchOf(rule.spec, current.runId, current.openedAt, now, current.size + 1, current.bytes + bytes),
    opened: false,
  };
}

/** A debounce burst's release time: `period` after its last trigger, at most `max_wait` after its first, epoch ms. */
export function debounceReleaseAt(spec: Debounce, openedAt: number, lastAt: number): number {
  const quiet = lastAt + durationMs(spec.period);
  return spec.max_wait === undefined ? quiet : Math.min(quiet, openedAt + durationMs(spec.max_wait));
}

/** A batch's release time: now when it holds `max_size`, else `timeout` after its first trigger, epoch ms. */
export function batchReleaseAt(spec: Batch, openedAt: number, size: number, now: number): number {
  return size >= spec.max_size ? now : openedAt + durationMs(spec.timeout);
}

/**
 * When a failed release is tried again: 1 s after the first failure, doubling, at most 5 min later.
 * @param tries failed releases so far (≥ 1). @returns epoch ms.
 */
export function releaseRetryAt(tries: number, now: number): number {
  return now + Math.min(300_000, 1_000 * 2 ** Math.min(20, Math.max(0, tries - 1)));
}

function batchOf(spec: Batch, runId: string, openedAt: number, now: number, size: number, bytes: number): OpenBuffer {
  return { runId, openedAt, lastAt: now, size, bytes, releaseAt: batchReleaseAt(spec, openedAt, size, now) };
}
