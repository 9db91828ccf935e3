import { z } from 'zod';
import { AgentName, PositiveDuration, RetryPolicy } from './definition';
import { AgentProvider, AgentStatus } from './enums';
import { OutboundUrl } from './outbound-url';
import { notReservedSecret } from './secret-names';
import { AgentLoopFields } from './tools';

/** `provider: http` — Baton POSTs the attempt to `url` (CONTRACT.md "Agents"). */
export const HttpAgentConfig = z.strictObject({
  url: OutboundUrl,
  headers: z.record(z.string(), z.string()).optional(),
});

/** Name of a secret (a Worker secret or a stored secret) holding an API key. */
const SecretName = notReservedSecret(
  z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an upper-case secret name such as OPENAI_API_KEY'),
);

/** Prices of a model in USD per million tokens; each call's `costUsd` is computed from them. */
export const TokenPrices = z.strictObject({
  input: z.number().nonnegative().max(10_000).describe('USD per million input tokens'),
  output: z.number().nonnegative().max(10_000).describe('USD per million output tokens'),
});
export type TokenPrices = z.infer<typeof TokenPrices>;

/** `provider: openai` — any OpenAI-compatible Chat Completions endpoint. */
export const OpenAiAgentConfig = z.strictObject({
  baseUrl: OutboundUrl,
  model: z.string().min(1),
  system: z.string().optional(),
  /** Name of the secret (a Worker secret or stored secret) holding the API key. */
  apiKeySecret: SecretName.optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.int().positive().optional(),
  pricePerMillionTokens: TokenPrices.optional(),
});

/** The Anthropic API version Baton speaks (https://docs.anthropic.com/en/api/versioning). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** `provider: anthropic` — the Messages API, `POST {baseUrl}/v1/messages`. */
export const AnthropicAgentConfig = z.strictObject({
  baseUrl: OutboundUrl.default('https://api.anthropic.com'),
  model: z.string().min(1),
  system: z.string().optional(),
  /** Name of the secret holding the API key, sent as `x-api-key`. */
  apiKeySecret: SecretName,
  /** The `anthropic-version` header. */
  version: z.string().min(1).default(ANTHROPIC_VERSION),
  temperature: z.number().min(0).max(1).optional(),
  /** `max_tokens` of each request (the API requires one). */
  maxTokens: z.int().positive().max(200_000).default(4096),
  pricePerMillionTokens: TokenPrices.optional(),
});

/** `provider: builtin` — Baton's offline text tools. */
export const BuiltinTool = z.enum(['research', 'summarize', 'draft', 'proofread', 'echo']);
export const BuiltinAgentConfig = z.strictObject({ tool: BuiltinTool });

const Tag = z.string().min(1).max(64);

/** What an agent can do, as selection and the planner read it. */
export const AgentCapabilities = z.strictObject({
  domain: Tag.optional().describe('The field it works in, e.g. marketing'),
  skills: z.array(Tag).max(50).default([]).describe('What it does, e.g. summarize; steps select agents by skill'),
  input_types: z.array(Tag).max(50).default([]).describe('What it takes, e.g. text, url'),
  output_types: z.array(Tag).max(50).default([]).describe('What it gives, e.g. markdown, json'),
});
export type AgentCapabilities = z.infer<typeof AgentCapabilities>;

/** `capabilities` as written: the object, or (as before the registry) a flat list of skills. */
export const AgentCapabilitiesInput = z
  .union([z.array(Tag).max(50), AgentCapabilities])
  .default({ skills: [], input_types: [], output_types: [] })
  .transform((c): AgentCapabilities => (Array.isArray(c) ? { skills: c, input_types: [], output_types: [] } : c));

/** What a call of the agent costs, USD; an attempt costs usage × these prices plus `per_call`. */
export const AgentPricing = z.strictObject({
  input_per_mtok: z.number().nonnegative().max(10_000).optional().describe('USD per million input tokens'),
  output_per_mtok: z.number().nonnegative().max(10_000).optional().describe('USD per million output tokens'),
  per_call: z.number().nonnegative().max(10_000).optional().describe('USD per call'),
});
export type AgentPricing = z.infer<typeof AgentPricing>;

/** The registry keys of every agent record (besides `provider` and `config`). */
export const AgentRegistryFields = {
  description: z.string().max(2_000).optional(),
  capabilities: AgentCapabilitiesInput,
  pricing: AgentPricing.optional(),
  max_concurrency: z
    .int()
    .min(1)
    .max(1_000)
    .optional()
    .describe('Most calls of this agent in flight at once, across all runs; more wait (reason agent_busy)'),
  timeout: PositiveDuration.optional().describe('Per attempt, for steps that set none'),
  retry: RetryPolicy.optional().describe('For steps that set none'),
  status: AgentStatus.default('active'),
  replaced_by: AgentName.optional().describe('Where calls go while this agent is offline'),
};

const common = AgentRegistryFields;

/** The registry settings stored together: pricing, concurrency, timeout, retry, replacement. */
export interface AgentRegistrySettings {
  pricing?: AgentPricing;
  max_concurrency?: number;
  timeout?: string;
  retry?: z.infer<typeof RetryPolicy>;
  replaced_by?: string;
}

/** Body of `PUT /api/agents/:name`. Only model providers (`openai`, `anthropic`) loop over tools. */
export const AgentBody = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('http'), ...common, config: HttpAgentConfig }),
  z.strictObject({ provider: z.literal('openai'), ...common, config: OpenAiAgentConfig, ...AgentLoopFields }),
  z.strictObject({ provider: z.literal('anthropic'), ...common, config: AnthropicAgentConfig, ...AgentLoopFields }),
  z.strictObject({ provider: z.literal('builtin'), ...common, config: BuiltinAgentConfig }),
]);
export type AgentBody = z.infer<typeof AgentBody>;

/** The loop keys of an agent record (stored together). */
export const AgentLoop = z.object(AgentLoopFields);
export type AgentLoop = z.infer<typeof AgentLoop>;

/** Which tool call of an agent an approval is about. */
export interface ToolCallRef {
  turn: number;
  callId: string;
  tool: string;
}

/** An agent as stored and answered by the API: one immutable version of it. */
export const AgentRecord = z.object({
  name: AgentName,
  /** The version (1, 2, …): every change of the agent makes a new one. */
  version: z.int().positive(),
  provider: AgentProvider,
  description: z.string().optional(),
  capabilities: AgentCapabilities,
  config: z.record(z.string(), z.unknown()),
  ...AgentLoopFields,
  pricing: AgentPricing.optional(),
  max_concurrency: z.int().positive().optional(),
  timeout: PositiveDuration.optional(),
  retry: RetryPolicy.optional(),
  status: AgentStatus,
  replaced_by: AgentName.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AgentRecord = z.infer<typeof AgentRecord>;

/** Providers that answer as models, turn by turn, and may call tools. */
export const MODEL_PROVIDERS: ReadonlySet<AgentProvider> = new Set(['openai', 'anthropic']);
