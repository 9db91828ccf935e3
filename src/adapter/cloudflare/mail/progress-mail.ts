import { buildPlan } from '../../../core/definition/plan';
import type { RunState } from '../../../core/engine/index';
import { planExecution } from '../../../core/policy/planner';
import { progressText } from '../../../core/progress-updates';
import { composeNote, replySubject } from '../../../app/mail/compose-reply';
import { database } from '../d1/client';
import { stepDurations } from '../d1/runs';
import type { AppEnv } from '../env';
import type { ProgressEmail } from '../run/run-progress';
import { newMessageId, sendRecorded, triggerEmail } from './mailer';

/**
 * Sends one progress email of `notify:` to the person whose email started the run, in its thread,
 * from the alias they wrote to. A `started` update names the steps and the critical path's
 * estimate from past runs (as `GET /api/workflows/:name/plan` does). Idempotent per run and number.
 */
export async function sendProgressEmail(
  env: AppEnv,
  tenantId: string,
  state: RunState,
  email: ProgressEmail,
): Promise<void> {
  const trigger = triggerEmail(state);
  if (!trigger) return;
  let plan: { steps: string[]; estimateMs: number } | null = null;
  if (email.updates.some((u) => u.event === 'started')) {
    const built = buildPlan(state.definition).plan;
    const estimate = planExecution(built, await stepDurations(database(env.DB), tenantId, state.workflow));
    plan = {
      steps: built.nodes.filter((n) => n.parent === null).map((n) => n.id),
      estimateMs: estimate.criticalPath.estimateMs,
    };
  }
  await sendRecorded(env, tenantId, {
    dedupeId: `progress:${state.runId}:${state.restarts ?? 0}:${email.seq}`,
    runId: state.runId,
    workflow: state.workflow,
    compose: () =>
      composeNote({
        from: trigger.to,
        to: trigger.from,
        subject: replySubject(trigger.subject),
        text: progressText(state, email.updates, email.more, plan),
        messageId: newMessageId(trigger.to),
        now: Date.now(),
        thread: trigger,
      }),
  });
}
