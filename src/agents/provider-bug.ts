import { z } from 'zod';
import type { AgentRecord } from '../schemas/agent';
import type { StepError } from '../schemas/errors';

/**
 * The step failure for an error a provider threw instead of answering: an invalid stored config
 * (a ZodError, named as such) or a provider bug. `agent_error`, not retryable: the same call would throw again.
 */
export function providerThrew(agent: AgentRecord, err: unknown): StepError {
  const why =
    err instanceof z.ZodError
      ? `invalid config: ${z.prettifyError(err).replace(/\s*\n\s*/g, ' ')}`
      : ((err as Error)?.message ?? String(err));
  return { code: 'agent_error', message: `${agent.provider} agent ${agent.name}: ${why}`, retryable: false };
}
