import { describe, expect, it } from 'vitest';
import { nextDelay } from '../../src/core/policy/retry';

const policy = (backoff: 'exponential' | 'linear' | 'none') => ({
  max_attempts: 5,
  backoff,
  initial_interval: '1s',
  max_interval: '5s',
});

describe('nextDelay', () => {
  it.each([
    ['exponential', 1, 1, 1000],
    ['exponential', 2, 1, 2000],
    ['exponential', 3, 1, 4000],
    ['exponential', 4, 1, 5000],
    ['exponential', 3, 0.25, 1000],
    ['linear', 3, 1, 3000],
    ['linear', 9, 1, 5000],
    ['none', 4, 0.1, 1000],
  ] as const)('%s after attempt %i with random %d → %i ms', (backoff, attempt, rand, expected) => {
    expect(nextDelay(policy(backoff), attempt, rand)).toBe(expected);
  });
});
