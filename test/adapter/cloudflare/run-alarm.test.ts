import { describe, expect, it } from 'vitest';
import { earliestWake } from '../../../src/adapter/cloudflare/run/run-alarm';

describe('earliestWake', () => {
  it('is the earliest time given, null for none', () => {
    expect(earliestWake([])).toBeNull();
    expect(earliestWake([null, null])).toBeNull();
    expect(earliestWake([3_000, null, 1_000, 2_000])).toBe(1_000);
    expect(earliestWake([null, 0])).toBe(0);
    expect(earliestWake([5])).toBe(5);
  });
});
