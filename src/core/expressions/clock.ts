import { BOUNDED_BUILTINS } from './builtins';
import { budgetOf, type Frame } from './limits';

/**
 * The time and randomness templates see. The engine's `Clock` (`core/engine/types.ts`) is one:
 * `now` in epoch ms, `random()` in [0, 1) — the source retry jitter draws from too.
 */
export interface ExpressionClock {
  /** Epoch ms. */
  readonly now: number;
  /** Returns a number in [0, 1). */
  readonly random: () => number;
}

type This = { environment: Frame };

function clockOf(frame: Frame): ExpressionClock {
  const clock = budgetOf(frame).clock;
  if (!clock) throw new Error('a clock built-in was bound without a clock');
  return clock;
}

const fromMillis = BOUNDED_BUILTINS.find((b) => b.name === 'fromMillis')!.implementation as (
  this: unknown,
  ...args: unknown[]
) => unknown;

/**
 * `$now`, `$millis` and `$random` bound to the run clock, so a decision replayed from the same
 * state, events and clock renders the same text (https://docs.jsonata.org/date-time-functions,
 * /numeric-functions#random). Signatures are JSONata's own.
 * - `$now(picture?, timezone?)`: `$fromMillis(clock.now, picture, timezone)` (ISO-8601 by default,
 *   with the bounds of the bounded `$fromMillis`).
 * - `$millis()`: `clock.now`.
 * - `$random()`: the next `clock.random()`, clamped to [0, 1). It reuses the clock's source rather
 *   than a seed of its own (run id, step, attempt): one source keeps jitter and templates equally
 *   reproducible — a replay with the same clock (a seeded or fixed source, as in tests) repeats every
 *   value, while two `$random()` calls in one decision still differ.
 */
export const CLOCK_BUILTINS: {
  name: string;
  signature: string;
  implementation: (this: This, ...args: never[]) => unknown;
}[] = [
  {
    name: 'now',
    signature: '<s?s?:s>',
    implementation(this: This, picture?: string, timezone?: string) {
      return fromMillis.call(this, clockOf(this.environment).now, picture, timezone);
    },
  },
  {
    name: 'millis',
    signature: '<:n>',
    implementation(this: This) {
      return clockOf(this.environment).now;
    },
  },
  {
    name: 'random',
    signature: '<:n>',
    implementation(this: This) {
      const value = clockOf(this.environment).random();
      return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1 - Number.EPSILON) : 0;
    },
  },
];
