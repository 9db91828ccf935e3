import { Cron } from 'croner';
import { instantsOf, lowestWallFrom } from './zone-clock';

/**
 * Cron schedules: 5 fields matched against the wall clock of the schedule's IANA time zone, with
 * croner (https://github.com/Hexagon/croner) enumerating the matching wall-clock times. Daylight
 * saving follows Vixie cron and cronie (cron.c `find_jobs`, crontab(5)): a schedule is *fixed-time*
 * when neither its minute nor its hour field starts with `*`, else *wildcard*.
 * - Clocks go forward (a wall-clock time does not exist): a fixed-time schedule runs once at the
 *   change (02:30 New York on the spring-forward night runs at 03:00 EDT); a wildcard one skips it.
 *   A jump of more than 3 hours (Samoa skipped 2011-12-30) is a clock jump: nothing skipped runs.
 * - Clocks go back (a wall-clock time happens twice): a fixed-time schedule runs at the first
 *   occurrence only; a wildcard one runs at both.
 * `?` means `*` in every field (Quartz writes `0 7 ? * 1-5`), so a `?` day field never makes the
 * other day field an OR: day-of-month and day-of-week combine with OR only when both are restricted.
 * Listing, firing and catching up all read `fireTimes`, so they cannot disagree.
 */

/** A parsed schedule. */
export interface Schedule {
  /** The expression with `?` read as `*`, matched against naive wall-clock times (UTC fields). */
  readonly pattern: Cron;
  readonly timezone: string;
  /** Neither the minute nor the hour field starts with `*` (Vixie cron's rule for clock changes). */
  readonly fixedTime: boolean;
}

/** Vixie cron catches up on fixed-time jobs over forward changes up to this size, ms (cron.c: `3*MINUTE_COUNT`). */
const MAX_CAUGHT_UP_JUMP_MS = 3 * 3600_000;

/** At most this many matching wall-clock times are read per `fireTimes` walk (a bound, never reached by a 50-run listing). */
const MAX_WALL_TIMES = 200_000;

/** A parsed schedule, or why the expression or time zone is refused. */
export function parseSchedule(
  cron: string,
  timezone: string,
): { ok: true; schedule: Schedule } | { ok: false; field: 'cron' | 'timezone'; message: string } {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return {
      ok: false,
      field: 'timezone',
      message: `unknown time zone '${timezone}'; expected an IANA name such as Europe/Berlin`,
    };
  }
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    return { ok: false, field: 'cron', message: 'expected 5 fields: minute hour day-of-month month day-of-week' };
  const read = fields.map((f) => f.replace(/\?/g, '*'));
  try {
    const pattern = new Cron(read.join(' '), { utcOffset: 0, paused: true, mode: '5-part' });
    // Without a year field, a date that exists at all comes long before croner's horizon (year 3000).
    if (!pattern.nextRun(new Date(Date.UTC(2000, 0, 1))))
      return {
        ok: false,
        field: 'cron',
        message: `'${cron}' matches no date (such as 31 February), so it would never run`,
      };
    return {
      ok: true,
      schedule: { pattern, timezone, fixedTime: !read[0]!.startsWith('*') && !read[1]!.startsWith('*') },
    };
  } catch (err) {
    return { ok: false, field: 'cron', message: (err as Error).message };
  }
}

/** The start of the minute of an instant, epoch ms. */
export function minuteOf(ms: number): number {
  return ms - (((ms % 60_000) + 60_000) % 60_000);
}

/**
 * Every instant the schedule fires at or after `fromMs`, ascending, each once (see the module
 * comment for clock changes). Lazy: take what you need.
 * @param fromMs epoch ms
 * @returns epoch ms
 */
export function* fireTimes(schedule: Schedule, fromMs: number): Generator<number> {
  const zone = schedule.timezone;
  const pending: number[] = []; // found, not yet safe to yield: a later wall-clock time can map earlier (its first occurrence)
  let cursor = new Date(lowestWallFrom(zone, fromMs) - 1);
  for (let i = 0; i < MAX_WALL_TIMES; i++) {
    const next = schedule.pattern.nextRun(cursor);
    if (!next) break;
    cursor = next;
    const at = instantsOf(zone, next.getTime());
    const found =
      'after' in at
        ? schedule.fixedTime && at.skippedMs <= MAX_CAUGHT_UP_JUMP_MS
          ? [at.after]
          : []
        : schedule.fixedTime
          ? at.instants.slice(0, 1)
          : at.instants;
    // Instants of later wall-clock times are never before this one's earliest: what is before is final.
    const earliest = 'after' in at ? at.after : at.instants[0]!;
    while (pending.length > 0 && pending[0]! < earliest) {
      const t = pending.shift()!;
      if (t >= fromMs) yield t;
    }
    for (const t of found) if (!pending.includes(t)) pending.push(t);
    pending.sort((a, b) => a - b);
  }
  for (const t of pending) if (t >= fromMs) yield t;
}

/**
 * The fire instants in `[fromMs, toMs)`, ascending, at most `limit`.
 * @returns epoch ms
 */
export function firesBetween(
  schedule: Schedule,
  fromMs: number,
  toMs: number,
  limit = Number.POSITIVE_INFINITY,
): number[] {
  const out: number[] = [];
  for (const t of fireTimes(schedule, fromMs)) {
    if (t >= toMs || out.length >= limit) break;
    out.push(t);
  }
  return out;
}

/**
 * The next `n` fire instants strictly after `afterMs` (what `GET /api/schedules` lists).
 * @returns epoch ms
 */
export function nextFires(schedule: Schedule, afterMs: number, n: number): number[] {
  const out: number[] = [];
  if (n <= 0) return out;
  for (const t of fireTimes(schedule, afterMs + 1)) if (out.push(t) >= n) break;
  return out;
}
