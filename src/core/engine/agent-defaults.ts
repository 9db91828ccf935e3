import type { RetryPolicy } from '../../schemas/definition';
import { durationMs } from '../definition/duration';
import { DEFAULT_RETRY } from '../policy/retry';
import { agentOf, nodeOf } from './instances';
import type { PinnedAgent, RunState } from './types';

/** Default per-attempt timeout when neither a step nor its agent sets one: 10 minutes. */
export const DEFAULT_STEP_TIMEOUT_MS = 600_000;

/** The pinned registry record of the agent a step instance calls now, when the run pinned one. */
function pinnedAgentOf(state: RunState, key: string): PinnedAgent | undefined {
  const name = agentOf(state, key);
  return name ? state.agents?.[name] : undefined;
}

/**
 * The per-attempt timeout of a leaf step instance, ms: the step's `timeout`, else its agent's
 * registry `timeout` (as pinned when the run started), else {@link DEFAULT_STEP_TIMEOUT_MS}.
 */
export function stepTimeoutMs(state: RunState, key: string): number {
  const own = nodeOf(state, key).step.timeout ?? pinnedAgentOf(state, key)?.timeout;
  return own ? durationMs(own) : DEFAULT_STEP_TIMEOUT_MS;
}

/** The retry policy of a step instance: the step's `retry`, else its agent's registry `retry`, else {@link DEFAULT_RETRY}. */
export function retryPolicyOf(state: RunState, key: string): RetryPolicy {
  return nodeOf(state, key).step.retry ?? pinnedAgentOf(state, key)?.retry ?? DEFAULT_RETRY;
}

/** {@link retryPolicyOf} for the attempts of a step instance that went to `agent`. */
export function retryPolicyFor(state: RunState, key: string, agent: string): RetryPolicy {
  return nodeOf(state, key).step.retry ?? state.agents?.[agent]?.retry ?? DEFAULT_RETRY;
}
