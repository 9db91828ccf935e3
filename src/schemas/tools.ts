import { z } from 'zod';
import { OutboundUrl, OutboundUrlTemplate } from './outbound-url';
import { AgentName, WorkflowName } from './names';

/**
 * Tools an agent may call in its loop (`tools:` on an agent record or on an agent step). Each entry
 * is one kind: every allowed tool of an MCP server, an HTTP request, another agent, or a workflow.
 * `needs_approval` puts an approval checkpoint before each call of that tool.
 */

/** Upper bounds of a loop; the defaults are the (10 model turns, 50 tool calls). */
export const DEFAULT_MAX_TURNS = 10;
export const DEFAULT_MAX_TOOL_CALLS = 50;
export const MaxTurns = z.int().min(1).max(100).describe('Most model turns of one attempt (default 10)');
export const MaxToolCalls = z.int().min(1).max(500).describe('Most tool calls of one attempt (default 50)');

/** A tool name as models see it (OpenAI and Anthropic accept `^[a-zA-Z0-9_-]{1,64}$`). */
export const ToolName = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected letters, digits, _ and - (at most 64)')
  .describe('The name the model calls the tool by');

/** An approval checkpoint before every call of the tool: `message` is a template that reads `args` and `tool`. */
export const ToolApproval = z.strictObject({
  assignees: z.array(z.email()).min(1).describe('Addresses that may decide; each gets the approval email'),
  message: z.string().min(1).optional().describe('What to decide (template over `tool` and `args`)'),
});
export type ToolApproval = z.infer<typeof ToolApproval>;

/** Largest JSON Schema (tool parameters, output_schema) accepted, characters of JSON. */
export const MAX_JSON_SCHEMA_CHARS = 32_000;

/** A JSON Schema object (draft 2020-12), at most {@link MAX_JSON_SCHEMA_CHARS} of JSON. */
export const JsonSchemaObject = z
  .record(z.string(), z.unknown())
  .refine((schema) => (JSON.stringify(schema)?.length ?? 0) <= MAX_JSON_SCHEMA_CHARS, {
    error: `a JSON Schema of at most ${MAX_JSON_SCHEMA_CHARS} characters of JSON`,
  })
  .describe('A JSON Schema (https://json-schema.org/draft/2020-12)');

const approvalField = { needs_approval: ToolApproval.optional() };

export const McpToolSpec = z.strictObject({
  mcp: z.strictObject({
    server: OutboundUrl.describe('http(s) URL of the MCP server (Streamable HTTP)'),
    allow: z.array(z.string().min(1)).min(1).optional().describe('Tool names to offer; default: every tool listed'),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  ...approvalField,
});

export const HttpToolSpec = z.strictObject({
  http: z.strictObject({
    name: ToolName,
    description: z.string().min(1).max(2000),
    parameters: JsonSchemaObject.default({ type: 'object', properties: {} }),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    url: OutboundUrlTemplate.describe('http(s) URL; templates read the model arguments as {{ args.x }}'),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional().describe('Text or JSON; templates read {{ args }}'),
    /** Largest response body read, bytes (default 64 KiB; the rest is cut off and says so). */
    max_bytes: z.int().min(1).max(1_048_576).optional(),
    /** Only these URL schemes may be called (e.g. `[https:]` for a fetch tool). Default: http: and https:. */
    schemes: z
      .array(z.enum(['http:', 'https:']))
      .min(1)
      .optional(),
  }),
  ...approvalField,
});

export const AgentToolSpec = z.strictObject({
  agent: AgentName.describe('A registered agent, called with the model argument `input`'),
  description: z.string().max(2000).optional(),
  ...approvalField,
});

export const WorkflowToolSpec = z.strictObject({
  workflow: WorkflowName.describe('A registered workflow, run as a child run with the model arguments as input'),
  version: z.int().positive().optional(),
  description: z.string().max(2000).optional(),
  ...approvalField,
});

export const ToolSpec = z.union([McpToolSpec, HttpToolSpec, AgentToolSpec, WorkflowToolSpec]);
export type ToolSpec = z.infer<typeof ToolSpec>;

/** At most this many tool entries on an agent or a step. */
export const MAX_TOOL_SPECS = 32;
export const ToolSpecs = z.array(ToolSpec).max(MAX_TOOL_SPECS);

/** How a tool call is carried out: in the attempt (`mcp`, `http`) or as a child run (`agent`, `workflow`). */
export const ToolKind = z.enum(['mcp', 'http', 'agent', 'workflow']);
export type ToolKind = z.infer<typeof ToolKind>;

/**
 * The loop keys an agent record and an agent step share: `tools` (the step's add to the agent's),
 * `output_schema` (the step's wins), `max_turns`, `max_tool_calls` (the step's win).
 */
export const AgentLoopFields = {
  tools: ToolSpecs.optional().describe("Tools the agent may call; a step's tools add to the agent's"),
  output_schema: JsonSchemaObject.optional().describe(
    'JSON Schema of the answer: the model is asked for JSON of it; an invalid answer gets one repair turn',
  ),
  max_turns: MaxTurns.optional(),
  max_tool_calls: MaxToolCalls.optional(),
};
