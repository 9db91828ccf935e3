import type { RetryPolicy } from '../../schemas/definition';
import { durationMs } from '../definition/duration';

/** Retry policy of a step that says none: three attempts, exponential backoff from 1 s up to 1 min. */
export const DEFAULT_RETRY: RetryPolicy = {
  max_attempts: 3,
  backoff: 'exponential',
  initial_interval: '1s',
  max_interval: '1m',
};

/**
 * Delay before the attempt after `attempt` (1-based) failed, in ms.
 * `exponential`: full jitter over min(max, initial × 2^(attempt−1)); `linear`: full jitter over
 * min(max, initial × attempt); `none`: exactly `initial_interval`.
 * Full jitter as in "Exponential Backoff And Jitter", AWS Architecture Blog, 2015
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * @param rand01 a random number in [0, 1), passed in so the function stays pure.
 */
export function nextDelay(policy: RetryPolicy, attempt: number, rand01: number): number {
  const initial = durationMs(policy.initial_interval);
  const max = durationMs(policy.max_interval);
  if (policy.backoff === 'none') return initial;
  const growth = policy.backoff === 'exponential' ? 2 ** Math.max(0, attempt - 1) : Math.max(1, attempt);
  const ceiling = Math.min(max, initial * growth);
  return Math.floor(ceiling * Math.min(Math.max(rand01, 0), 1));
}
