import type { AppEnv, StepMessage } from './env';
import { createApp } from './http/app';
import { consumeDeadLetters, consumeSteps } from './runtime/step-consumer';
import { receiveEmail } from './triggers/email';
import { fireSchedules } from './triggers/schedule';

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

  async scheduled(controller, env) {
    await fireSchedules(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<AppEnv, StepMessage>;
