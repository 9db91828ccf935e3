import { createScheduledController, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { api, httpAgent, putAgent, putWorkflow } from '../support/helpers';

/**
 * Schedules on the 2027 daylight-saving changes of America/New_York, through the Worker's
 * scheduled() handler called every minute (twice: at :17 and :45) around each change. The runs it
 * starts must be the instants GET /api/schedules lists, and those the README states (Vixie cron's
 * rule). Its own file: its D1 holds only these schedules.
 */
const MINUTE = 60_000;
const tick = (ms: number) =>
  worker.scheduled!(createScheduledController({ scheduledTime: ms, cron: '* * * * *' }), env);

async function tickEveryMinute(fromIso: string, toIso: string): Promise<void> {
  for (let m = Date.parse(fromIso); m <= Date.parse(toIso); m += MINUTE) {
    await tick(m + 17_000);
    await tick(m + 45_000);
  }
}

/** The `trigger.schedule.scheduledTime` of every run of a workflow, sorted, in [from, to) if given. */
async function startedAt(workflow: string, fromIso = '0000', toIso = '9999'): Promise<string[]> {
  const { runs } = (await (await api(`/runs?workflow=${workflow}&limit=200`)).json()) as { runs: { id: string }[] };
  const times = await Promise.all(
    runs.map(
      async (r) =>
        (
          (await (await api(`/runs/${r.id}?steps=false`)).json()) as {
            trigger: { schedule: { scheduledTime: string } };
          }
        ).trigger.schedule.scheduledTime,
    ),
  );
  return times
    .filter((at) => at >= new Date(Date.parse(fromIso)).toISOString() && at < new Date(Date.parse(toIso)).toISOString())
    .sort();
}

/** What GET /api/schedules lists for a workflow in [from, to). */
async function listed(workflow: string, fromIso: string, toIso: string): Promise<string[]> {
  const list = (await (
    await api(`/schedules?next=50&from=${encodeURIComponent(new Date(Date.parse(fromIso) - 1).toISOString())}`)
  ).json()) as { workflow: string; next: string[] }[];
  return list.find((s) => s.workflow === workflow)!.next.filter((at) => at < new Date(Date.parse(toIso)).toISOString());
}

const ny = (name: string, cron: string) =>
  putWorkflow(
    name,
    `name: ${name}\ntriggers: [ { schedule: { cron: "${cron}", timezone: America/New_York } } ]\nsteps: [ { id: a, agent: tagger, input: x } ]`,
  );

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await ny('spring-fixed', '30 2 * * *');
  await ny('spring-three', '0 3 * * *');
  await ny('spring-wild', '*/30 * * * *');
  await ny('fall-fixed', '30 1 * 11 *');
  await ny('fall-wild', '30 * * * *');
  await ny('weekdays-q', '0 7 ? * 1-5');
  await ny('first-q', '0 7 1 * ?');
});

describe('schedules across daylight-saving changes (America/New_York, 2027)', () => {
  it('spring forward, 2027-03-14 01:55 EST → 04:05 EDT: a fixed time in the skipped hour runs at the change, wildcard times that do not exist are skipped', async () => {
    const [from, to] = ['2027-03-14T06:55:00Z', '2027-03-14T08:06:00Z'];
    await tickEveryMinute(from, '2027-03-14T08:05:00Z');
    const readme = {
      'spring-fixed': ['2027-03-14T07:00:00.000Z'], // 02:30 does not exist: runs at 03:00 EDT, once
      'spring-three': ['2027-03-14T07:00:00.000Z'], // 03:00 EDT
      'spring-wild': ['2027-03-14T07:00:00.000Z', '2027-03-14T07:30:00.000Z', '2027-03-14T08:00:00.000Z'], // 02:00, 02:30 skipped
    };
    for (const [workflow, expected] of Object.entries(readme)) {
      expect(await startedAt(workflow, from, to), workflow).toEqual(expected);
      expect(await listed(workflow, from, to), workflow).toEqual(expected);
    }
  });

  it('fall back, 2027-11-07 00:55 EDT → 02:05 EST: a fixed time in the repeated hour runs once, at its first occurrence; a wildcard one at both', async () => {
    const [from, to] = ['2027-11-07T04:55:00Z', '2027-11-07T07:06:00Z'];
    await tickEveryMinute(from, '2027-11-07T07:05:00Z');
    const readme = {
      'fall-fixed': ['2027-11-07T05:30:00.000Z'], // 01:30 EDT only
      'fall-wild': ['2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z'], // 01:30 EDT and 01:30 EST
    };
    for (const [workflow, expected] of Object.entries(readme)) {
      expect(await startedAt(workflow, from, to), workflow).toEqual(expected);
      expect(await listed(workflow, from, to), workflow).toEqual(expected);
    }
  });

  it("'?' means '*': 0 7 ? * 1-5 runs on weekdays only, 0 7 1 * ? on the 1st only", async () => {
    for (const day of ['2026-11-21', '2026-11-22', '2026-11-23', '2026-12-01'])
      await tick(Date.parse(`${day}T12:00:30Z`)); // Sat, Sun, Mon, Tue
    expect(await startedAt('weekdays-q')).toEqual(['2026-11-23T12:00:00.000Z', '2026-12-01T12:00:00.000Z']);
    expect(await startedAt('first-q')).toEqual(['2026-12-01T12:00:00.000Z']);
    expect(await listed('weekdays-q', '2026-11-21T00:00:00Z', '2026-11-25T00:00:00Z')).toEqual([
      '2026-11-23T12:00:00.000Z',
      '2026-11-24T12:00:00.000Z',
    ]);
  });
});
