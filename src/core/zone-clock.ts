/**
 * Wall clocks of IANA time zones, read with `Intl.DateTimeFormat` (ECMA-402; the zone data is the
 * runtime's tzdata). A wall-clock time is written as epoch ms of the same fields in UTC ("naive").
 */

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The zone's offset from UTC at an instant (wall clock − UTC), ms.
 * @throws RangeError for a zone the runtime does not know
 */
export function offsetAt(zone: string, ms: number): number {
  const at = Math.floor(ms / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(at)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!) - at;
}

/** The wall-clock time at an instant, as naive ms. */
export function wallAt(zone: string, ms: number): number {
  return ms + offsetAt(zone, ms);
}

/**
 * The instants a wall-clock time names: one; two, ascending, when clocks go back and repeat it; or
 * none when clocks go forward over it, and then `after`, the instant of the change (the first
 * instant whose wall clock is past it), and `skippedMs`, how far clocks went forward. Assumes at
 * most one change within a day of it, as tzdata has.
 * @param naive the wall-clock time, naive ms
 */
export function instantsOf(
  zone: string,
  naive: number,
): { instants: number[] } | { instants: []; after: number; skippedMs: number } {
  const offsets = [...new Set([offsetAt(zone, naive - DAY), offsetAt(zone, naive), offsetAt(zone, naive + DAY)])];
  const instants = [...new Set(offsets.map((o) => naive - o).filter((t) => offsetAt(zone, t) === naive - t))].sort(
    (a, b) => a - b,
  );
  if (instants.length > 0) return { instants };
  // In a gap: the change lies between the instants the offsets before and after it would give.
  let lo = naive - Math.max(...offsets); // its wall clock is before `naive`
  let hi = naive - Math.min(...offsets); // its wall clock is past `naive`
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallAt(zone, mid) >= naive) hi = mid;
    else lo = mid;
  }
  return { instants: [], after: hi, skippedMs: Math.max(...offsets) - Math.min(...offsets) };
}

/** Clocks going back by up to this much are seen coming (their repeated times listed from before the change), ms. */
const REPEAT_LOOKAHEAD = 3 * 3600_000;

/**
 * A wall-clock time no later than that of any fire at or after `ms`: below the wall clock at `ms`
 * by a clock change within {@link REPEAT_LOOKAHEAD} after it (a repeated time shortly after `ms`),
 * or one in the minute before it (a skipped time, which runs at the change). Only that close to a
 * change does a walk start earlier than the wall clock, so it costs more only then. Naive ms,
 * floored to the minute.
 */
export function lowestWallFrom(zone: string, ms: number): number {
  const wall = ms + Math.min(offsetAt(zone, ms - MINUTE), offsetAt(zone, ms), offsetAt(zone, ms + REPEAT_LOOKAHEAD));
  return wall - (((wall % MINUTE) + MINUTE) % MINUTE);
}
