import { z } from 'zod';
import type { AgentRecord } from '../schemas/agent';
import type { AgentProvider } from '../schemas/enums';
import { builtinProvider } from './builtin';
import { httpProvider } from './http';
import { openAiProvider } from './openai';
import type { AgentHost, AgentRequest, AgentResult, Provider } from './types';

export type { AgentHost, AgentRequest, AgentResult } from './types';

const PROVIDERS: Record<AgentProvider, Provider> = {
  http: httpProvider,
  openai: openAiProvider,
  anthropic: openAiProvider, // replaced by the Anthropic Messages provider (issue 16, in progress)
  builtin: builtinProvider,
};

/**
 * Calls an agent for one attempt. Never throws: every failure (including a provider bug or an
 * invalid stored config) comes back classified as `{ ok: false, error }`.
 */
export async function callAgent(agent: AgentRecord, request: AgentRequest, host: AgentHost): Promise<AgentResult> {
  try {
    return await PROVIDERS[agent.provider](agent, request, host);
  } catch (err) {
    const why =
      err instanceof z.ZodError
        ? `invalid config: ${z.prettifyError(err).replace(/\s*\n\s*/g, ' ')}`
        : (err as Error).message;
    return {
      ok: false,
      error: { code: 'agent_error', message: `${agent.provider} agent ${agent.name}: ${why}`, retryable: false },
    };
  }
}
