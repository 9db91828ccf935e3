import { describe, expect, it } from 'vitest';
import { jsonTextDeeperThan, valueDeeperThan } from '../../src/core/json-depth';

describe('jsonTextDeeperThan (no parse, no recursion)', () => {
  it('counts objects and arrays outside strings, escapes included', () => {
    expect(jsonTextDeeperThan('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(jsonTextDeeperThan('{"a":[1,{"b":2}]}', 2)).toBe(true);
    expect(jsonTextDeeperThan(`{"s":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`, 1)).toBe(false);
    expect(jsonTextDeeperThan(`  ${'['.repeat(65)}${']'.repeat(65)}`, 64)).toBe(true);
    expect(jsonTextDeeperThan(`${'['.repeat(64)}${']'.repeat(64)}`, 64)).toBe(false);
    expect(jsonTextDeeperThan('[[][][][]]', 2)).toBe(false);
    expect(jsonTextDeeperThan(`plain text ${'['.repeat(100)}`, 64)).toBe(false);
  });
  it('scans a million levels without throwing', () => {
    expect(jsonTextDeeperThan('['.repeat(1_000_000), 64)).toBe(true);
  });
});

describe('valueDeeperThan (explicit stack)', () => {
  it('measures parsed values, stops at cycles, and handles a 100,000-level value', () => {
    expect(valueDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(valueDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true);
    expect(valueDeeperThan('x', 0)).toBe(false);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(valueDeeperThan(cycle, 64)).toBe(true);
    expect(valueDeeperThan(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 64)).toBe(true);
    const shared = { x: [[[1]]] };
    expect(valueDeeperThan({ a: shared, b: shared }, 5)).toBe(false);
    expect(valueDeeperThan({ a: shared, b: [shared] }, 5)).toBe(true);
    expect(valueDeeperThan({ b: [shared], a: shared }, 5)).toBe(true);
  });
});
