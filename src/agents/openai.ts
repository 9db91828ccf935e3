import { toText } from '../core/expressions';
import { OpenAiAgentConfig } from '../schemas/agent';
import { TIMEOUT_FAILURE, httpFailure, safeText, thrownFailure } from './http-errors';
import { requireSecret } from './secrets';
import { configOf, type Provider } from './types';

interface ChatCompletion {
  choices?: { message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

/**
 * `provider: openai`: any OpenAI-compatible Chat Completions endpoint (OpenAI, Workers AI's
 * `/ai/v1`, Ollama, vLLM…). POST `{baseUrl}/chat/completions`; the output is
 * `choices[0].message.content`. API: https://platform.openai.com/docs/api-reference/chat/create
 */
export const openAiProvider: Provider = async (agent, req, host) => {
  const config = configOf(agent, OpenAiAgentConfig);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.apiKeySecret) {
    const key = await requireSecret(host, config.apiKeySecret);
    if (!key.ok) return { ok: false, error: key.error };
    headers.authorization = `Bearer ${key.value}`;
  }
  const messages = [
    ...(config.system ? [{ role: 'system', content: config.system }] : []),
    { role: 'user', content: toText(req.input) },
  ];
  let response: Response;
  try {
    response = await host.fetch(`${config.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: config.model,
        messages,
        temperature: config.temperature,
        max_tokens: config.maxTokens,
      }),
      signal: req.signal,
    });
  } catch (err) {
    return { ok: false, error: thrownFailure(err, req.signal) };
  }
  const body = await safeText(response);
  if (req.signal.aborted) return { ok: false, error: { ...TIMEOUT_FAILURE } };
  if (!response.ok) return { ok: false, error: httpFailure(response, body) };
  let completion: ChatCompletion;
  try {
    completion = JSON.parse(body);
  } catch {
    return {
      ok: false,
      error: {
        code: 'agent_bad_response',
        message: `expected a chat completion, got: ${body.slice(0, 200)}`,
        retryable: false,
      },
    };
  }
  const content = completion.choices?.[0]?.message?.content;
  const usage = { inputTokens: completion.usage?.prompt_tokens, outputTokens: completion.usage?.completion_tokens };
  if (typeof content !== 'string') {
    return {
      ok: false,
      error: {
        code: 'agent_bad_response',
        message: 'the completion has no choices[0].message.content',
        retryable: false,
      },
      usage,
    };
  }
  return { ok: true, output: content, usage };
};
