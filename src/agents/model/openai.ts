import type { ToolCallRequest } from '../../core/engine/loop-types';
import type { Usage } from '../../core/engine/types';
import { OpenAiAgentConfig, type TokenPrices } from '../../schemas/agent';
import { requireSecret } from '../secrets';
import { configOf } from '../types';
import { boundedText, toolCallsProblem } from './bounds';
import { usageOf } from './cost';
import { failedReply, postModel, usageField } from './http';
import type { ChatMessage, ModelProvider, ModelRequest } from './types';

/**
 * `provider: openai` as a model: one turn of any OpenAI-compatible Chat Completions endpoint
 * (OpenAI, Workers AI's and AI Gateway's `/v1` URLs, Ollama, vLLM…), with `tools` / `tool_calls`
 * and, when the step has an output schema, `response_format: json_schema`.
 * POST `{baseUrl}/chat/completions`. API: https://platform.openai.com/docs/api-reference/chat/create
 * Never throws for model failures; throws ZodError for an invalid stored config (callModel classifies it).
 */
export const openAiModel: ModelProvider = async (agent, request, host) => {
  const config = configOf(agent, OpenAiAgentConfig);
  const headers: Record<string, string> = { 'Idempotency-Key': request.idempotencyKey };
  if (config.apiKeySecret) {
    const key = await requireSecret(host, config.apiKeySecret, config.baseUrl);
    if (!key.ok) return { ok: false, error: key.error };
    headers.authorization = `Bearer ${key.value}`;
  }
  const url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const payload = {
    model: config.model,
    messages: [...(config.system ? [{ role: 'system', content: config.system }] : []), ...toOpenAi(request.messages)],
    temperature: config.temperature,
    max_tokens: config.maxTokens,
    ...requestExtras(request),
  };
  const sent = await postModel(host, url, headers, payload, request.signal);
  const prices = config.pricePerMillionTokens;
  if (!sent.ok) return { ok: false, error: sent.error, ...usageField(usageFrom(sent.body, prices)) };
  const completion = sent.body as Completion;
  const usage = usageFrom(completion, prices);
  const message = completion?.choices?.[0]?.message;
  const content = message?.content;
  const rawCalls = message?.tool_calls;
  if (rawCalls !== undefined && rawCalls !== null && !Array.isArray(rawCalls))
    return failedReply('choices[0].message.tool_calls is not a list', usage);
  const calls = rawCalls ?? [];
  if (typeof content !== 'string' && (content != null || calls.length === 0))
    return failedReply('the completion has no choices[0].message.content', usage);
  const toolCalls: ToolCallRequest[] = [];
  const argumentChars: number[] = [];
  for (const [i, call] of calls.entries()) {
    if (call?.type !== undefined && call.type !== 'function')
      return failedReply(`tool call ${i} is not a function call`, usage);
    const args = call?.function?.arguments;
    const text = typeof args === 'string' ? args : JSON.stringify(args ?? {});
    argumentChars.push(text.length);
    toolCalls.push({ id: call?.id as string, name: call?.function?.name as string, arguments: parseArguments(text) });
  }
  const problem = toolCallsProblem(toolCalls, argumentChars);
  if (problem) return failedReply(problem, usage);
  const model = typeof completion.model === 'string' ? completion.model.slice(0, 200) : undefined;
  return { ok: true, reply: { text: boundedText(content ?? ''), toolCalls, model, ...usageField(usage) } };
};

interface Completion {
  model?: unknown;
  choices?: { message?: { content?: unknown; tool_calls?: RawToolCall[] | null } }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

interface RawToolCall {
  id?: unknown;
  type?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

/**
 * The conversation in Chat Completions messages: one `tool` message per tool result. The API has no
 * error flag on a tool message, so an error result is its content alone (the loop words it as one).
 */
export function toOpenAi(messages: ChatMessage[]): Record<string, unknown>[] {
  return messages.flatMap((m): Record<string, unknown>[] => {
    if (m.role === 'user') return [{ role: 'user', content: m.text }];
    if (m.role === 'assistant')
      return [
        {
          role: 'assistant',
          content: m.text || (m.toolCalls.length ? null : ''),
          ...(m.toolCalls.length
            ? {
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: {
                    name: c.name,
                    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
                  },
                })),
              }
            : {}),
        },
      ];
    return m.results.map((r) => ({ role: 'tool', tool_call_id: r.callId, content: r.content }));
  });
}

function requestExtras(request: ModelRequest): Record<string, unknown> {
  return {
    ...(request.tools.length
      ? {
          tools: request.tools.map((t) => ({
            type: 'function',
            function: { name: t.name, description: t.description, parameters: t.parameters },
          })),
        }
      : {}),
    ...(request.outputSchema
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'output', schema: request.outputSchema, strict: false },
          },
        }
      : {}),
  };
}

/** A tool call's arguments: the parsed JSON, or the raw text when it does not parse (the loop reports it to the model). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function usageFrom(body: unknown, prices: TokenPrices | undefined): Usage | undefined {
  const usage = (body as Completion | undefined)?.usage;
  return usage && typeof usage === 'object' ? usageOf(usage.prompt_tokens, usage.completion_tokens, prices) : undefined;
}
