import { createScheduledController, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { api, httpAgent, putAgent, putWorkflow, waitForRun } from '../support/helpers';

/** Calls the Worker's scheduled() handler as the cron trigger would, for a chosen time. */
const tick = (iso: string) =>
  worker.scheduled!(createScheduledController({ scheduledTime: Date.parse(iso), cron: '* * * * *' }), env);
const runsOf = async (workflow: string) =>
  ((await (await api(`/runs?workflow=${workflow}`)).json()) as { runs: { id: string; trigger: { type: string } }[] })
    .runs;
const yaml = (body: string) => ({ method: 'POST', body, headers: { 'content-type': 'application/yaml' } });

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
});

describe('schedule triggers', () => {
  it('0 7 * * 1-5 in America/New_York fires at 12:00Z on a November Monday, not at 07:00Z, not on Saturday, and once per minute', async () => {
    await putWorkflow(
      'digest',
      'name: digest\ntriggers: [ { schedule: { cron: "0 7 * * 1-5", timezone: America/New_York, input: { topic: CRM } } } ]\ninputs: { topic: { type: string } }\nsteps: [ { id: brief, agent: tagger, input: "{{ inputs.topic }} at {{ trigger.schedule.scheduledTime }}" } ]',
    );
    await tick('2026-11-23T07:00:00Z');
    await tick('2026-11-21T12:00:00Z');
    expect(await runsOf('digest')).toEqual([]);
    await tick('2026-11-23T12:00:00Z');
    await tick('2026-11-23T12:00:40Z');
    const runs = await runsOf('digest');
    expect(runs).toHaveLength(1);
    const run = await waitForRun(runs[0]!.id);
    expect(run).toMatchObject({ status: 'completed', output: 'T: CRM at 2026-11-23T12:00:00.000Z' });
  });

  it('GET /api/schedules lists each schedule with its next fire times', async () => {
    const list = (await (await api('/schedules?next=3')).json()) as {
      workflow: string;
      cron: string;
      timezone: string;
      next: string[];
    }[];
    const digest = list.find((s) => s.workflow === 'digest')!;
    expect(digest).toMatchObject({ cron: '0 7 * * 1-5', timezone: 'America/New_York' });
    expect(digest.next).toHaveLength(3);
    for (const at of digest.next) {
      expect(new Date(at).getUTCMinutes()).toBe(0);
      expect([11, 12]).toContain(new Date(at).getUTCHours()); // 07:00 New York is 11:00Z in summer, 12:00Z in winter
      expect([0, 6]).not.toContain(new Date(at).getUTCDay());
    }
  });

  it('missed minutes are not replayed, unless catch_up: true', async () => {
    await putWorkflow(
      'noon',
      'name: noon\ntriggers: [ { schedule: { cron: "0 12 * * *" } } ]\nsteps: [ { id: a, agent: tagger, input: x } ]',
    );
    await putWorkflow(
      'noon-catch-up',
      'name: noon-catch-up\ntriggers: [ { schedule: { cron: "0 12 * * *", catch_up: true } } ]\nsteps: [ { id: a, agent: tagger, input: x } ]',
    );
    await tick('2026-12-01T12:00:00Z');
    await tick('2026-12-04T12:00:00Z'); // the Worker was down on the 2nd and 3rd
    expect(await runsOf('noon')).toHaveLength(2);
    expect(await runsOf('noon-catch-up')).toHaveLength(4);
  });

  it('refuses an invalid expression or an unknown time zone at registration, with the path', async () => {
    const bad = await api(
      '/workflows',
      yaml('name: bad-cron\ntriggers: [ { schedule: { cron: "61 * * * *" } } ]\nsteps: [ { id: a, agent: tagger } ]'),
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'invalid_definition', details: { issues: [{ path: 'triggers[0].schedule.cron' }] } },
    });
    const zone = await api(
      '/workflows',
      yaml(
        'name: bad-zone\ntriggers: [ { schedule: { cron: "0 7 * * *", timezone: Mars/Olympus } } ]\nsteps: [ { id: a, agent: tagger } ]',
      ),
    );
    expect(await zone.json()).toMatchObject({
      error: {
        details: {
          issues: [{ path: 'triggers[0].schedule.timezone', message: expect.stringContaining('Mars/Olympus') }],
        },
      },
    });
  });

  it('refuses an expression that matches no date at registration, with the path', async () => {
    const never = await api(
      '/workflows',
      yaml('name: never\ntriggers: [ { schedule: { cron: "0 0 31 2 *" } } ]\nsteps: [ { id: a, agent: tagger } ]'),
    );
    expect(never.status).toBe(400);
    expect(await never.json()).toMatchObject({
      error: {
        details: {
          issues: [{ path: 'triggers[0].schedule.cron', message: expect.stringContaining('matches no date') }],
        },
      },
    });
  });
});
