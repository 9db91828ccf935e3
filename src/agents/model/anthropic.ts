import type { ToolCallRequest } from '../../core/engine/loop-types';
import type { Usage } from '../../core/engine/types';
import { AnthropicAgentConfig, type TokenPrices } from '../../schemas/agent';
import { requireSecret } from '../secrets';
import { configOf } from '../types';
import { boundedText, toolCallsProblem } from './bounds';
import { usageOf } from './cost';
import { failedReply, postModel, usageField } from './http';
import type { ChatMessage, ModelProvider, ModelRequest } from './types';

/**
 * `provider: anthropic` as a model: one turn of the Messages API, POST `{baseUrl}/v1/messages` with
 * `x-api-key` (the secret `apiKeySecret`) and `anthropic-version` (`config.version`); tools as
 * `tools` / `tool_use` / `tool_result` blocks. The API has no JSON-schema answer mode, so an output
 * schema is asked for in the system prompt. API: https://docs.anthropic.com/en/api/messages
 * Never throws for model failures; throws ZodError for an invalid stored config (callModel classifies it).
 */
export const anthropicModel: ModelProvider = async (agent, request, host) => {
  const config = configOf(agent, AnthropicAgentConfig);
  const key = await requireSecret(host, config.apiKeySecret, config.baseUrl);
  if (!key.ok) return { ok: false, error: key.error };
  const headers = {
    'x-api-key': key.value,
    'anthropic-version': config.version,
    'Idempotency-Key': request.idempotencyKey,
  };
  const system = systemPrompt(config.system, request.outputSchema);
  const payload = {
    model: config.model,
    max_tokens: config.maxTokens,
    ...(system ? { system } : {}),
    messages: toAnthropic(request.messages),
    temperature: config.temperature,
    ...(request.tools.length
      ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) }
      : {}),
  };
  const url = `${config.baseUrl.replace(/\/+$/, '')}/v1/messages`;
  const sent = await postModel(host, url, headers, payload, request.signal);
  const prices = config.pricePerMillionTokens;
  if (!sent.ok) return { ok: false, error: sent.error, ...usageField(usageFrom(sent.body, prices)) };
  const message = sent.body as RawMessage;
  const usage = usageFrom(message, prices);
  if (!Array.isArray(message?.content)) return failedReply('the message has no content list', usage);
  const texts: string[] = [];
  const toolCalls: ToolCallRequest[] = [];
  const argumentChars: number[] = [];
  for (const block of message.content) {
    if (block?.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block?.type === 'tool_use') {
      const input = block.input ?? {};
      argumentChars.push(JSON.stringify(input).length);
      toolCalls.push({ id: block.id as string, name: block.name as string, arguments: input });
    }
  }
  const problem = toolCallsProblem(toolCalls, argumentChars);
  if (problem) return failedReply(problem, usage);
  let text = texts.join('');
  if (request.outputSchema) text = withoutCodeFence(text);
  const model = typeof message.model === 'string' ? message.model.slice(0, 200) : undefined;
  return { ok: true, reply: { text: boundedText(text), toolCalls, model, ...usageField(usage) } };
};

interface RawMessage {
  model?: unknown;
  content?: { type?: unknown; text?: unknown; id?: unknown; name?: unknown; input?: unknown }[];
  usage?: Record<string, unknown>;
}

type Block = Record<string, unknown>;

/**
 * The conversation as Messages API messages. Roles must alternate, so consecutive messages of one
 * role (tool results, then a user text such as a repair request) are merged into one message;
 * tool results come first in theirs, as the API requires.
 */
export function toAnthropic(messages: ChatMessage[]): { role: 'user' | 'assistant'; content: Block[] }[] {
  const out: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  for (const m of messages) {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const content = blocksOf(m);
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...content);
    else out.push({ role, content });
  }
  return out;
}

function blocksOf(m: ChatMessage): Block[] {
  if (m.role === 'user') return [{ type: 'text', text: m.text || '(empty)' }];
  if (m.role === 'tool')
    return m.results.map((r) => ({
      type: 'tool_result',
      tool_use_id: r.callId,
      content: r.content,
      ...(r.isError ? { is_error: true } : {}),
    }));
  const blocks: Block[] = m.text.trim() ? [{ type: 'text', text: m.text }] : [];
  for (const c of m.toolCalls) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: asInput(c.arguments) });
  // The API refuses an empty assistant turn; an empty answer is replayed as saying so.
  return blocks.length ? blocks : [{ type: 'text', text: '(no answer)' }];
}

/** `tool_use.input` must be an object: other arguments (from another provider's transcript) are wrapped. */
function asInput(args: unknown): Record<string, unknown> {
  return args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : { input: args };
}

/** The agent's system prompt, plus the request for a bare JSON object of the schema when the step has one. */
export function systemPrompt(system: string | undefined, schema: ModelRequest['outputSchema']): string | undefined {
  if (!schema) return system;
  const ask =
    'Answer with only a JSON object that matches this JSON Schema: no prose, no code fences.\n' +
    `JSON Schema: ${JSON.stringify(schema)}`;
  return system ? `${system}\n\n${ask}` : ask;
}

/** The JSON inside a reply that is one fenced code block (```json … ```), else the reply as it is. */
function withoutCodeFence(text: string): string {
  const fenced = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return fenced?.[1] ?? text;
}

/** Tokens read (cache writes and reads included) and written. */
function usageFrom(body: unknown, prices: TokenPrices | undefined): Usage | undefined {
  const usage = (body as RawMessage | undefined)?.usage;
  if (!usage || typeof usage !== 'object') return undefined;
  const counts = [usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens].filter(
    (n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0,
  );
  return usageOf(counts.length ? counts.reduce((a, b) => a + b, 0) : undefined, usage.output_tokens, prices);
}
