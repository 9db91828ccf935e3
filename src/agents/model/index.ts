import type { AgentRecord } from '../../schemas/agent';
import { providerThrew } from '../provider-bug';
import type { AgentHost } from '../types';
import { anthropicModel } from './anthropic';
import { openAiModel } from './openai';
import type { ModelProvider, ModelRequest, ModelResult } from './types';

export type { ChatMessage, ModelProvider, ModelRequest, ModelResult, ModelTool, ToolResultMessage } from './types';
export { anthropicModel } from './anthropic';
export { costOf } from './cost';
export { openAiModel } from './openai';

/** The providers that answer turn by turn and may call tools, by `AgentRecord.provider`. */
export const MODEL_PROVIDERS_BY_NAME: Record<'openai' | 'anthropic', ModelProvider> = {
  openai: openAiModel,
  anthropic: anthropicModel,
};

/**
 * One model turn of an agent loop. Never throws: a provider that is not a model (`http`,
 * `builtin`), an invalid stored config or a provider bug comes back as
 * `{ ok: false, error: { code: 'agent_error', retryable: false } }`, as `callAgent` does.
 */
export async function callModel(agent: AgentRecord, request: ModelRequest, host: AgentHost): Promise<ModelResult> {
  const provider = Object.hasOwn(MODEL_PROVIDERS_BY_NAME, agent.provider)
    ? MODEL_PROVIDERS_BY_NAME[agent.provider as keyof typeof MODEL_PROVIDERS_BY_NAME]
    : undefined;
  if (!provider)
    return {
      ok: false,
      error: {
        code: 'agent_error',
        message: `${agent.provider} agent ${agent.name} is not a model: only openai and anthropic agents take model turns`,
        retryable: false,
      },
    };
  try {
    return await provider(agent, request, host);
  } catch (err) {
    return { ok: false, error: providerThrew(agent, err) };
  }
}
