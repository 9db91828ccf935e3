import type { AgentRecord } from '../schemas/agent';
import type { AgentProvider } from '../schemas/enums';
import { anthropicProvider } from './anthropic';
import { builtinProvider } from './builtin';
import { httpProvider } from './http';
import { openAiProvider } from './openai';
import { providerThrew } from './provider-bug';
import type { AgentHost, AgentRequest, AgentResult, Provider } from './types';

export type { AgentHost, AgentRequest, AgentResult } from './types';

const PROVIDERS: Record<AgentProvider, Provider> = {
  http: httpProvider,
  openai: openAiProvider,
  anthropic: anthropicProvider,
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
    return { ok: false, error: providerThrew(agent, err) };
  }
}
