import { describe, expect, it } from 'vitest';
import { cooldownPassed, failedStreak, ruleWatches, spoken, utcDay } from '../../src/core/alerts';
import { AlertRuleBody } from '../../src/schemas/api/alerts';

const rule = (body: unknown) => AlertRuleBody.parse(body);

describe('alert rules', () => {
  it('watch their workflow or agent, or every one when they name none', () => {
    expect(ruleWatches(rule({ type: 'run_failed', workflow: 'a' }), { workflow: 'a' })).toBe(true);
    expect(ruleWatches(rule({ type: 'run_failed', workflow: 'a' }), { workflow: 'b' })).toBe(false);
    expect(ruleWatches(rule({ type: 'run_failed' }), { workflow: 'b' })).toBe(true);
    expect(ruleWatches(rule({ type: 'circuit_open', agent: 'x' }), { agent: 'y' })).toBe(false);
    expect(ruleWatches(rule({ type: 'circuit_open' }), { agent: 'y' })).toBe(true);
  });

  it('take a failed streak from the newest runs only, broken by any other end', () => {
    expect(failedStreak(['failed', 'failed', 'completed'], 2)).toBe(true);
    expect(failedStreak(['failed', 'completed', 'failed'], 2)).toBe(false);
    expect(failedStreak(['failed', 'cancelled'], 2)).toBe(false);
    expect(failedStreak(['failed'], 2)).toBe(false);
    expect(failedStreak(['failed'], 1)).toBe(true);
  });

  it('notify again only once the cooldown has passed', () => {
    expect(cooldownPassed(null, 60_000, 0)).toBe(true);
    expect(cooldownPassed(1_000, 60_000, 60_999)).toBe(false);
    expect(cooldownPassed(1_000, 60_000, 61_000)).toBe(true);
  });

  it('default streak 1, cooldown 1h, enabled', () => {
    expect(rule({ type: 'run_failed' })).toEqual({ type: 'run_failed', streak: 1, cooldown: '1h', enabled: true });
  });

  it('say days and durations as people read them', () => {
    expect(utcDay('2026-12-03T23:59:59.999Z')).toBe('2026-12-03');
    expect(spoken(90_000)).toBe('90 s');
    expect(spoken(12 * 60_000)).toBe('12 min');
    expect(spoken(3.5 * 3_600_000)).toBe('3.5 h');
  });
});
