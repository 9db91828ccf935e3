import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { ChatMessage, ModelRequest, ModelTool } from '../../src/agents/model';
import type { AgentRecord } from '../../src/schemas/agent';

/** Helpers of the model provider tests: agents and requests for the scripted model servers (test/node/model-server.ts). */

/** A host whose only secret is LLM_KEY. */
export const host = {
  fetch: ((...args: Parameters<typeof fetch>) => fetch(...args)) as typeof fetch,
  secret: async (name: string) => (name === 'LLM_KEY' ? 'sk-test-key' : undefined),
};
export const PRICES = { input: 3, output: 15 };
export const SEARCH: ModelTool = {
  name: 'search',
  description: 'Searches the web',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
};

/** An agent record of `provider` whose model is the script `script`, keyed by LLM_KEY, priced at PRICES. */
export function agent(
  provider: 'openai' | 'anthropic',
  script: string,
  config: Record<string, unknown> = {},
): AgentRecord {
  const route = provider === 'openai' ? '/model/openai/v1' : '/model/anthropic';
  return {
    name: `${provider}-${script}`,
    version: 1,
    provider,
    status: 'active',
    capabilities: { skills: [], input_types: [], output_types: [] },
    config: {
      baseUrl: `${env.TEST_AGENT_URL}${route}`,
      model: script,
      system: 'Be brief.',
      apiKeySecret: 'LLM_KEY',
      pricePerMillionTokens: PRICES,
      ...config,
    },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** One model turn of `messages`, without tools, with a 10 s timeout. */
export function request(messages: ChatMessage[], extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    messages,
    tools: [],
    idempotencyKey: 'run-1:answer:1:1:model',
    signal: AbortSignal.timeout(10_000),
    ...extra,
  };
}

/** Registers a script (under a name unique to the test) and returns its name. */
export async function script(name: string, turns: unknown[]): Promise<string> {
  const res = await fetch(`${env.TEST_AGENT_URL}/model/scripts/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ turns }),
  });
  expect(res.status).toBe(200);
  return name;
}

/** One request a scripted model received. */
export interface LoggedRequest {
  idempotencyKey?: string;
  model: string;
  system?: unknown;
  messages: unknown[];
  tools?: unknown;
  response_format?: unknown;
  max_tokens?: unknown;
  headers: Record<string, string | undefined>;
}

/** Every request the script received (test/node/model-server.ts LogEntry). */
export async function log(name: string): Promise<LoggedRequest[]> {
  return (await (await fetch(`${env.TEST_AGENT_URL}/model/log/${name}`)).json()) as LoggedRequest[];
}

/** A user message. */
export const ask = (text: string): ChatMessage => ({ role: 'user', text });
/** The cost of the scripted usage (100 in, 20 out) at PRICES. */
export const COST = (100 * 3) / 1e6 + (20 * 15) / 1e6;
