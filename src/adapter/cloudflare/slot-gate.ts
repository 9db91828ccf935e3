import { DEFAULT_PRIORITY } from '../../schemas/enums';
import type { StepError } from '../../schemas/errors';
import { leaseOf } from './slot-lease';
import { slotsOf, type AppEnv } from './env';
import type { Claim, Report } from './run/attempts';

/**
 * Runs one call of an agent within its `max_concurrency` (its AgentSlots object, shared by every
 * run). An agent without `max_concurrency` is called at once, with no round trip. Otherwise the
 * call takes a slot first and gives it back however it ends (a holder that dies loses its lease
 * when it expires); when every slot is taken the agent is not called: the answer is the
 * `deferred` report (the step waits, reason `agent_busy`, until AgentSlots grants it a slot and
 * its RunObject dispatches it again). A model turn of a looped agent is one call; its tool calls
 * are not the agent's and do not come here.
 * @param background collects the release, for the caller's `waitUntil`.
 * @returns the call's answer; `{ deferred }`; or `{ error }` (`rate_limited`, retryable) when too
 * many calls wait already.
 * @throws when the AgentSlots object cannot be reached (the attempt's timeout then retries it).
 */
export async function throughSlots<R extends object>(
  env: AppEnv,
  runId: string,
  claim: Claim,
  agent: { name: string; max_concurrency?: number },
  background: (p: Promise<unknown>) => void,
  call: () => Promise<R>,
): Promise<R | { deferred: Report } | { error: StepError }> {
  const max = agent.max_concurrency;
  if (!max) return call();
  const slots = slotsOf(env, claim.tenantId, agent.name);
  const ref = { stepId: claim.stepId, attempt: claim.attempt, ...(claim.unit ? { unit: claim.unit } : {}) };
  const answer = await slots.acquire({
    runId,
    ...ref,
    priority: claim.priority ?? DEFAULT_PRIORITY,
    enqueuedAt: claim.dispatchedAt ?? Date.now(),
    max,
    timeLeftMs: claim.timeoutMs,
  });
  if ('queued' in answer) return { deferred: { ...ref, deferred: 'agent_busy' } };
  if ('refused' in answer)
    return { error: { code: 'rate_limited', message: `agent ${agent.name}: ${answer.refused}`, retryable: true } };
  try {
    return await call();
  } finally {
    const lease = leaseOf({ runId, ...ref });
    background(
      Promise.resolve(slots.release(lease)).catch((err) =>
        console.warn(`agent slot ${lease}: not released (it expires by itself)`, err),
      ),
    );
  }
}
