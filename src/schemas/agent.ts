import { z } from 'zod';
import { AgentName } from './definition';
import { AgentProvider } from './enums';
import { OutboundUrl } from './outbound-url';
import { notReservedSecret } from './secret-names';

/** `provider: http` — Baton POSTs the attempt to `url` (CONTRACT.md "Agents"). */
export const HttpAgentConfig = z.strictObject({
  url: OutboundUrl,
  headers: z.record(z.string(), z.string()).optional(),
});

/** `provider: openai` — any OpenAI-compatible Chat Completions endpoint. */
export const OpenAiAgentConfig = z.strictObject({
  baseUrl: OutboundUrl,
  model: z.string().min(1),
  system: z.string().optional(),
  /** Name of the secret (a Worker secret or stored secret) holding the API key. */
  apiKeySecret: notReservedSecret(
    z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an upper-case secret name such as OPENAI_API_KEY'),
  ).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.int().positive().optional(),
});

/** `provider: builtin` — Baton's offline text tools. */
export const BuiltinTool = z.enum(['research', 'summarize', 'draft', 'proofread', 'echo']);
export const BuiltinAgentConfig = z.strictObject({ tool: BuiltinTool });

/** Body of `PUT /api/agents/:name`. */
export const AgentBody = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('http'),
    description: z.string().optional(),
    capabilities: z.array(z.string()).default([]),
    config: HttpAgentConfig,
  }),
  z.strictObject({
    provider: z.literal('openai'),
    description: z.string().optional(),
    capabilities: z.array(z.string()).default([]),
    config: OpenAiAgentConfig,
  }),
  z.strictObject({
    provider: z.literal('builtin'),
    description: z.string().optional(),
    capabilities: z.array(z.string()).default([]),
    config: BuiltinAgentConfig,
  }),
]);
export type AgentBody = z.infer<typeof AgentBody>;

/** An agent as stored and answered by the API. */
export const AgentRecord = z.object({
  name: AgentName,
  provider: AgentProvider,
  description: z.string().optional(),
  capabilities: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AgentRecord = z.infer<typeof AgentRecord>;
