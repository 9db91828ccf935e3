import { BatonError } from '../../../core/errors';
import { firesBetween, minuteOf, parseSchedule, type Schedule } from '../../../core/schedule';
import { startRun } from '../../../app/start-run';
import { startRunPorts } from '../host';
import { database, type Database } from '../d1/client';
import { lastScheduledMinute, recordRefusedStart } from '../d1/runs';
import { newRunId } from './start-run';
import { listSchedules, type StoredSchedule } from '../d1/workflows';
import type { AppEnv } from '../env';
import type { StartRunPorts } from '../../../ports';

/** A `catch_up: true` schedule replays at most this many missed fire times. */
export const MAX_CATCH_UP_RUNS = 100;
/** …and looks back at most this far, ms. */
export const MAX_CATCH_UP_MS = 7 * 24 * 3600_000;

/** What one `scheduled()` call did. */
export interface ScheduledOutcome {
  started: { workflow: string; runId: string; minute: string }[];
  failed: { workflow: string; reason: string }[];
}

/**
 * The `scheduled()` trigger (CONTRACT.md "Schedules"): starts a run of every workflow whose
 * schedule fires in the minute of `scheduledTime` (`[minute, minute + 60 s)`, so a handler running
 * at 07:00:40 starts the 07:00 run). The fire instants are those `GET /api/schedules` lists
 * (core/schedule.ts `fireTimes`, daylight saving as Vixie cron). The idempotency key
 * `schedule:<tenant>:<workflow>#<trigger>:<minute>` makes a workflow and minute start at most one
 * run however often the handler is called. Minutes missed while the Worker was down are not
 * replayed, unless the trigger says `catch_up: true`.
 * @param scheduledTime epoch ms
 */
export async function fireSchedules(env: AppEnv, scheduledTime: number): Promise<ScheduledOutcome> {
  const db = database(env.DB);
  const ports = startRunPorts(env);
  const minute = minuteOf(scheduledTime);
  const outcome: ScheduledOutcome = { started: [], failed: [] };
  for (const schedule of await listSchedules(db)) {
    const parsed = parseSchedule(schedule.config.cron, schedule.config.timezone);
    if (!parsed.ok) continue; // refused at registration; an old row cannot fire
    const missed = schedule.config.catch_up ? await missedFires(db, schedule, parsed.schedule, minute) : [];
    for (const at of [...missed, ...firesBetween(parsed.schedule, minute, minute + 60_000)])
      await fire(ports, db, schedule, at, outcome);
  }
  return outcome;
}

/** Fire instants after the schedule's last run and before `minute`, oldest first, bounded. */
async function missedFires(
  db: Database,
  stored: StoredSchedule,
  schedule: Schedule,
  minute: number,
): Promise<number[]> {
  const last = await lastScheduledMinute(db, stored.tenantId, stored.workflowName, stored.key);
  if (last === null) return [];
  return firesBetween(schedule, Math.max(last + 60_000, minute - MAX_CATCH_UP_MS), minute, MAX_CATCH_UP_RUNS);
}

/** Starts the run of one fire instant (epoch ms), keyed by its minute. */
async function fire(
  ports: StartRunPorts,
  db: Database,
  schedule: StoredSchedule,
  instant: number,
  outcome: ScheduledOutcome,
): Promise<void> {
  const at = new Date(minuteOf(instant)).toISOString();
  const trigger = {
    type: 'schedule' as const,
    schedule: {
      cron: schedule.config.cron,
      timezone: schedule.config.timezone,
      scheduledTime: at,
      trigger: schedule.key,
    },
  };
  const idempotencyKey = `schedule:${schedule.key}:${at}`;
  try {
    const { runId } = await startRun(ports, schedule.tenantId, {
      workflow: schedule.workflowName,
      input: schedule.config.input ?? {},
      trigger,
      idempotencyKey,
      priority: schedule.config.priority,
    });
    outcome.started.push({ workflow: schedule.workflowName, runId, minute: at });
  } catch (err) {
    if (!(err instanceof BatonError)) throw err;
    console.error(`schedule ${schedule.key} at ${at}: ${err.message}`);
    outcome.failed.push({ workflow: schedule.workflowName, reason: err.message });
    // Past the workflow's rate_limit: the tick is recorded (a run failed `rate_limited`), not lost.
    if (err.code === 'rate_limited') {
      const wf = await ports.workflows.get(schedule.tenantId, schedule.workflowName);
      await recordRefusedStart(
        db,
        schedule.tenantId,
        {
          id: newRunId(ports.clock.now()),
          workflowName: schedule.workflowName,
          version: wf?.version ?? 0,
          triggerType: 'schedule',
          trigger,
          input: schedule.config.input ?? {},
          idempotencyKey,
          stepsTotal: 0,
          createdAt: new Date(ports.clock.now()).toISOString(),
        },
        { code: err.code, message: err.message },
      );
    }
  }
}
