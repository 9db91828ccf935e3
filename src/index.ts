import type { AppEnv, StepMessage } from './env';
import { createApp } from './http/app';
import { consumeDeadLetters, consumeSteps } from './runtime/step-consumer';
import { receiveEmail } from './triggers/email';
import { fireSchedules } from './triggers/schedule';
import { sweepQueuedRuns } from './triggers/sweep-runs';

export { AgentCircuit } from './runtime/agent-circuit';
export { RunObject } from './runtime/run-object';

const app = createApp();

/** Wiring only: each platform entry point hands over to its module. */
export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),

  async email(message, env) {
    await receiveEmail(message, env);
  },

  async queue(batch, env, ctx) {
    if (batch.queue.startsWith('steps-dlq')) await consumeDeadLetters(batch as MessageBatch<StepMessage>);
    else await consumeSteps(batch as MessageBatch<StepMessage>, env, ctx);
  },

  /** Every minute (wrangler.toml crons): schedule triggers, then the sweeper that repairs lost run starts. */
  async scheduled(controller, env) {
    try {
      await fireSchedules(env, controller.scheduledTime);
    } finally {
      await sweepQueuedRuns(env, Date.now());
    }
  },
} satisfies ExportedHandler<AppEnv, StepMessage>;
