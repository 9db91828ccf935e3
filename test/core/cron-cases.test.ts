import { Cron, type CronOptions } from 'croner';
import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/cron/cron-cases.json';
import { nextFires, parseSchedule } from '../../src/core/schedule';
import { instantsOf } from '../../src/core/zone-clock';

/**
 * The real cron cases of test/fixtures/cron (from croner's and cron-parser's own suites), run
 * against croner, the library Baton schedules with. A case runs when its start instant can be read
 * without executing code (an ISO string, `new Date("…")`, `new Date(ms)`, `new CronDate('…')`);
 * cron-parser cases run with `tz` read as croner's `timezone`, unless they rely on cron-parser-only
 * options (startDate/endDate/currentDate iteration bounds).
 */
interface Case {
  id: string;
  library: string;
  expression: string;
  options?: Record<string, unknown>;
  start: string | null;
  direction: 'next' | 'prev';
  expected_iso?: string | string[];
  expected?: null;
  expected_local?: (Record<string, number> | string)[];
  expected_utc_fields?: Record<string, number>[];
  steps?: { start: string; expected_iso: string }[];
}

/** The start instant a case states, or null when it needs code to compute. */
function instant(text: string | null, zone?: string): Date | null {
  if (!text) return null;
  const literal = /^(?:new (?:Date|CronDate)\()?['"]?([^'"()]+?)['"]?\)?$/.exec(text.trim())?.[1];
  if (!literal || literal === 'now') return null;
  if (/^\d{10,}$/.test(literal)) return new Date(Number(literal));
  const ms = Date.parse(literal);
  if (Number.isNaN(ms)) return null;
  if (/Z$|[+-]\d\d:?\d\d$|GMT/.test(literal) || !zone || zone === 'UTC' || zone === 'Etc/UTC') return new Date(ms);
  return null; // a wall-clock time in another zone: not read here
}

function optionsOf(c: Case): CronOptions | null {
  const o = { ...(c.options ?? {}) };
  if (c.library === 'cron-parser') {
    if ('startDate' in o || 'endDate' in o || 'currentDate' in o) return null;
    if (o.tz) o.timezone = o.tz;
    delete o.tz;
  }
  if ('startAt' in o || ('stopAt' in o && typeof o.stopAt !== 'string')) return null;
  return { ...(o as CronOptions), paused: true };
}

/** Wall-clock fields of an instant in a zone (JS getters' meaning: month0, weekday 0 = Sunday). */
function fieldsIn(date: Date, zone: string): Record<string, number> {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday!);
  return {
    year: Number(parts.year),
    month0: Number(parts.month) - 1,
    date: Number(parts.day),
    hours: Number(parts.hour),
    minutes: Number(parts.minute),
    seconds: Number(parts.second),
    weekday,
  };
}

function cronerRuns(c: Case, options: CronOptions, start: Date, n: number): (Date | null)[] {
  const cron = new Cron(c.expression, options);
  const out: (Date | null)[] = [];
  let from = start;
  for (let i = 0; i < n; i++) {
    const next = c.direction === 'prev' ? (cron.previousRuns(1, from)[0] ?? null) : cron.nextRun(from);
    out.push(next);
    if (!next) break;
    from = next;
  }
  return out;
}

const cases = (fixture.cases as unknown as Case[]).flatMap((c) => {
  const options = optionsOf(c);
  const zone = (options?.timezone as string | undefined) ?? 'UTC';
  if (!options) return [];
  if (c.steps) return c.steps.every((s) => instant(s.start, zone)) ? [{ c, options, zone }] : [];
  return instant(c.start, zone) ? [{ c, options, zone }] : [];
});

/**
 * cron-parser cases where croner, Baton's choice, answers otherwise (README "Schedules"). Each is
 * asserted to still differ, so this list cannot go stale silently.
 */
const CRON_PARSER_ONLY: Record<string, string> = {
  'cp-step-from-6-every-23':
    'croner answers a different first run from the same start (cron-parser: 6,29,52 each hour)',
  'cp-seconds-0-every-30-question-mark': "croner reads '?' as '*' (POSIX: day-of-month OR day-of-week)",
  'cp-seconds-1-every-2': "croner reads '?' as '*' (POSIX: day-of-month OR day-of-week)",
  'cp-wednesdays-question-mark-dom': "croner reads '?' in day-of-month as '*', so with OR every day matches",
  'cp-second-sunday-of-may': "'?' read as '*' (OR) makes every day in May match",
  'cp-sunday-#1': "'?' read as '*' (OR)",
  'cp-sunday-#2': "'?' read as '*' (OR)",
  'cp-sunday-#3': "'?' read as '*' (OR)",
  'cp-sunday-#4': "'?' read as '*' (OR)",
  'cp-sunday-#5': "'?' read as '*' (OR)",
  'cp-troll-two-hour-gap-0230':
    'a 2-hour DST gap (Antarctica/Troll): croner shifts 02:30 by the gap, cron-parser by one hour',
  'cp-lord-howe-hour-step-known-limitation': 'a 30-minute DST shift (Australia/Lord_Howe)',
  'cp-prev-ms-gt-0': 'prev() from 2 ms after a match: croner answers the match before',
};

type Runs = (c: Case, options: CronOptions, start: Date, n: number) => (Date | null)[];

function check({ c, options, zone }: (typeof cases)[number], runs: Runs = cronerRuns): void {
  if (c.steps) {
    for (const step of c.steps)
      expect(runs(c, options, instant(step.start, zone) ?? localInstant(step.start, zone)!, 1)[0]?.toISOString()).toBe(
        step.expected_iso,
      );
    return;
  }
  const start = instant(c.start, zone) ?? localInstant(c.start, zone)!;
  if (c.expected_iso !== undefined) {
    const expected = Array.isArray(c.expected_iso) ? c.expected_iso : [c.expected_iso];
    expect(runs(c, options, start, expected.length).map((d) => d?.toISOString())).toEqual(expected);
  } else if ('expected' in c) {
    expect(runs(c, options, start, 1)[0]).toBeNull();
  } else if (c.expected_local || c.expected_utc_fields) {
    const expected = (c.expected_local ?? c.expected_utc_fields)!;
    const got = runs(c, options, start, expected.length).map((d) =>
      d ? fieldsIn(d, c.expected_utc_fields ? 'UTC' : zone) : null,
    );
    expected.forEach((want, i) => {
      const wanted =
        typeof want === 'string'
          ? {
              year: Number(want.slice(0, 4)),
              month0: Number(want.slice(5, 7)) - 1,
              date: Number(want.slice(8, 10)),
              hours: 0,
              minutes: 0,
            }
          : want;
      expect(got[i], `run ${i + 1}`).toMatchObject(wanted);
    });
  }
}

describe('cron cases (croner)', () => {
  it('reads most of the fixture', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.filter((x) => !CRON_PARSER_ONLY[x.c.id]).map((x) => [x.c.id, x] as const))('%s', (_id, x) => check(x));

  it.each(Object.entries(CRON_PARSER_ONLY))('%s differs in croner: %s', (id) => {
    const x = cases.find((k) => k.c.id === id);
    expect(x, 'the case is still in the fixture').toBeDefined();
    expect(() => check(x!)).toThrow();
  });
});

describe('invalid expressions (croner)', () => {
  const invalid = (
    fixture.invalid as { library: string; expression: string; options?: Record<string, unknown> }[]
  ).filter((x) => x.library === 'croner');
  it.each(invalid.map((x) => [x.expression, x] as const))('%j is refused', (_e, x) => {
    expect(() => new Cron(x.expression, { ...(x.options as CronOptions), paused: true })).toThrow();
  });
});

describe('accepted expressions', () => {
  const accepted = (fixture.accepted as { library: string; expression: string }[]).filter(
    (x) => x.library === 'croner',
  );
  it.each(accepted.map((x) => [x.expression] as const))('%j parses', (expression) => {
    expect(() => new Cron(expression, { paused: true })).not.toThrow();
  });
});

/** A wall-clock start (`'2016-03-27 02:00:01'`) in a zone: its first instant. */
function localInstant(text: string | null, zone: string): Date | null {
  const literal = /^'?(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)'?$/.exec(text?.trim() ?? '');
  if (!literal) return null;
  const at = instantsOf(zone, Date.parse(`${literal[1]}T${literal[2]}Z`));
  return new Date('after' in at ? at.after : at.instants[0]!);
}

/** Baton's fire times (core/schedule.ts) for a case: 5 fields, or 6 with second 0 (dropped). */
const batonRuns: Runs = (c, options, start, n) => {
  const fields = c.expression.trim().split(/\s+/);
  const parsed = parseSchedule(
    fields.length === 6 ? fields.slice(1).join(' ') : c.expression,
    (options.timezone as string | undefined) ?? 'UTC',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return nextFires(parsed.schedule, start.getTime(), n).map((ms) => new Date(ms));
};

/** The fixture's cases in a time zone with daylight saving that Baton's 5-field schedules can state. */
const zoned = (fixture.cases as unknown as Case[]).flatMap((c) => {
  const options = optionsOf(c);
  const zone = options?.timezone as string | undefined;
  const fields = c.expression.trim().split(/\s+/);
  if (
    !options ||
    !zone ||
    zone === 'UTC' ||
    zone === 'Etc/UTC' ||
    c.direction !== 'next' ||
    Object.keys(options).some((k) => !['timezone', 'paused'].includes(k))
  )
    return [];
  if (!(fields.length === 5 || (fields.length === 6 && fields[0] === '0'))) return [];
  const starts = c.steps ? c.steps.map((s) => s.start) : [c.start];
  return starts.every((s) => instant(s, zone) ?? localInstant(s, zone)) ? [{ c, options, zone }] : [];
});

/**
 * Where Baton answers otherwise than the library the case comes from, because it follows Vixie cron
 * (README "Daylight saving") or the library errs: a fixed-time schedule in a skipped time runs at the change; a wildcard
 * one (minute or hour starting with `*`) runs in both copies of a repeated time and skips times that
 * do not exist. Each is asserted to still differ.
 */
const VIXIE_RULE: Record<string, string> = {
  'croner-ny-spring-gap-0230-2025': '02:30 does not exist: Baton runs at the change, 03:00 EDT (croner: 03:30)',
  'croner-ny-spring-gap-0230-2023-specific-date': '02:30 does not exist: Baton runs at 03:00 EDT (croner: 03:30)',
  'croner-london-spring-gap-0130-2025': '01:30 does not exist: Baton runs at 02:00 BST (croner: 02:30)',
  'croner-la-every-minute-across-fall-back-2025':
    '* * * * * is a wildcard schedule: Baton runs every minute of both 01:00 hours (croner skips the repeated hour)',
  'cp-athens-dst-start-every20-in-hour3':
    '*/20 3 is a wildcard schedule: the skipped 03:xx are not run (cron-parser shifts them to 04:xx)',
  'cp-athens-dst-end-every20-in-hour3':
    '*/20 3 is a wildcard schedule: it runs in both 03:xx hours (cron-parser: once)',
  'cp-troll-two-hour-gap-0230': '02:30 does not exist (01:00 → 03:00): Baton runs at 03:00 (cron-parser: 03:30)',
  'cp-troll-two-hour-gap-0130': '01:30 does not exist (01:00 → 03:00): Baton runs at 03:00 (cron-parser: 03:30)',
  'cp-troll-no-repeat-after-compensation':
    '01:30 does not exist (01:00 → 03:00): Baton runs at 03:00 (cron-parser: 03:30)',
  'cp-lord-howe-hour-step-known-limitation':
    "02:30 exists after Lord Howe's 30-minute jump: Baton runs it (cron-parser's test calls its 03:30 a known limitation)",
  'croner-ny-fall-overlap-0130-2025':
    "from 01:00 EST (the repeated hour) croner answers 01:30 EDT, before its start; Baton the next day's 01:30",
};

describe("Baton's schedules on the fixture's daylight-saving cases (Vixie cron's rule)", () => {
  it('reads the zoned cases', () => {
    expect(zoned.length).toBeGreaterThanOrEqual(15);
  });

  it.each(zoned.filter((x) => !VIXIE_RULE[x.c.id]).map((x) => [x.c.id, x] as const))('%s', (_id, x) =>
    check(x, batonRuns),
  );

  it.each(Object.entries(VIXIE_RULE))('%s differs: %s', (id) => {
    const x = zoned.find((k) => k.c.id === id);
    expect(x, 'the case is still in the fixture').toBeDefined();
    expect(() => check(x!, batonRuns)).toThrow();
  });
});
