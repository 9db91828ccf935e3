import { alertOnStuckRuns } from './alerts/checks';
import { consumeTraces, type TraceMessage } from './traces/export';
import { sweepRetention } from './lifecycle';
import type { AppEnv, StepMessage } from './env';
import { consumeDeadLetters, consumeSteps } from './step-consumer';
import { receiveEmail } from './triggers/email';
import { fireSchedules } from './triggers/schedule';
import { sweepQueuedRuns } from './triggers/sweep-runs';
import { database } from './d1/client';
import { sweepSignIns } from './d1/people';

/** The HTTP side of the Worker (the Hono app of src/http), passed in so the adapter never imports it. */
export interface FetchHandler {
  fetch(request: Request, env: AppEnv, ctx: ExecutionContext): Response | Promise<Response>;
}

/** The UTC hour in which the retention sweep runs. */
export const RETENTION_HOUR_UTC = 3;

/**
 * The Worker's entry points (fetch, email, queue, scheduled): each hands over to its module.
 * @param app serves every HTTP request (API, webhooks, dashboard).
 */
export const workerEntry = (app: FetchHandler) =>
  ({
    fetch: (request, env, ctx) => app.fetch(request, env, ctx),

    async email(message, env) {
      await receiveEmail(message, env);
    },

    async queue(batch, env, ctx) {
      if (batch.queue.startsWith('steps-dlq')) await consumeDeadLetters(batch as MessageBatch<StepMessage>);
      else if (batch.queue.startsWith('traces')) await consumeTraces(batch as MessageBatch<TraceMessage>, env);
      else await consumeSteps(batch as MessageBatch<StepMessage>, env, ctx);
    },

    /**
     * Every minute (wrangler.toml crons): schedule triggers, then the sweeper that repairs lost run
     * starts, then the `run_stuck` alerts; once an hour (minute 0) expired sessions and used or expired sign-in links are deleted;
     * daily, in the hour from 03:00 UTC, the retention sweep (each minute a bounded batch, until done).
     */
    async scheduled(controller, env) {
      try {
        await fireSchedules(env, controller.scheduledTime);
      } finally {
        await sweepQueuedRuns(env, Date.now());
        await alertOnStuckRuns(env, Date.now()).catch((err) => console.error('run_stuck alerts not checked', err));
        const at = new Date(controller.scheduledTime);
        if (at.getUTCMinutes() === 0) await sweepSignIns(database(env.DB), at);
        if (at.getUTCHours() === RETENTION_HOUR_UTC) await sweepRetention(env, controller.scheduledTime);
      }
    },
  }) satisfies ExportedHandler<AppEnv, StepMessage | TraceMessage>;
