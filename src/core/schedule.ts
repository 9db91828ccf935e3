import { Cron } from 'croner';

/**
 * Cron schedules, matched with croner (https://github.com/Hexagon/croner; OCPS 1.4 semantics). In a
 * time zone with daylight saving, a time that does not exist (spring forward) fires at the shifted
 * wall-clock time, and a time that happens twice (fall back) fires once, at its first occurrence.
 */

/** A parsed schedule, or why the expression or time zone is refused. */
export function parseSchedule(cron: string, timezone: string): { ok: true; cron: Cron } | { ok: false; field: 'cron' | 'timezone'; message: string } {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return { ok: false, field: 'timezone', message: `unknown time zone '${timezone}'; expected an IANA name such as Europe/Berlin` };
  }
  if (cron.trim().split(/\s+/).length !== 5) return { ok: false, field: 'cron', message: 'expected 5 fields: minute hour day-of-month month day-of-week' };
  try {
    return { ok: true, cron: new Cron(cron, { timezone, paused: true }) };
  } catch (err) {
    return { ok: false, field: 'cron', message: (err as Error).message };
  }
}

/** The start of the minute of an instant, epoch ms. */
export function minuteOf(ms: number): number {
  return ms - (((ms % 60_000) + 60_000) % 60_000);
}

/** Whether the schedule fires in the minute starting at `minuteMs` (epoch ms). */
export function firesIn(cron: Cron, minuteMs: number): boolean {
  return cron.match(new Date(minuteOf(minuteMs)));
}

/** The next `n` fire times strictly after `from` (epoch ms), as epoch ms. */
export function nextFires(cron: Cron, from: number, n: number): number[] {
  return cron.nextRuns(n, new Date(from)).map((d) => d.getTime());
}
