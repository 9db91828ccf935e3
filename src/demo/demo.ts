/**
 * The demo that `npm start` seeds: four agents and the `competitor-analysis` workflow.
 * Plain data with no imports, so the Node start script and the tests read the same definitions.
 */

/** The demo workflow, as a user would write it. */
export const DEMO_WORKFLOW_YAML = `name: competitor-analysis
description: Research competitors, summarise, draft and proofread a report
triggers:
  - email: { alias: competitor-intel }
inputs:
  topic: { type: string, required: false, description: Market or company to research }
steps:
  - id: research
    agent: research
    input: "{{ inputs.topic ? inputs.topic : trigger.email.subject & '\\n\\n' & trigger.email.text }}"
    timeout: 2m
    retry: { max_attempts: 3, backoff: exponential, initial_interval: 1s }
  - id: summarize
    agent: summarize
    input: "{{ research.output }}"
    timeout: 2m
  - id: draft
    agent: draft
    input: "{{ summarize.output }}"
    timeout: 2m
  - id: proofread
    agent: proofread
    input: "{{ draft.output }}"
    timeout: 2m
output: "{{ proofread.output }}"
`;

/** What each demo agent does: its builtin tool, and its instructions when a model serves it. */
export const DEMO_AGENTS = {
  research: {
    description: 'Finds the companies, products and claims a request is about',
    system:
      'You are a competitive-intelligence researcher. From the request, list the competitors, their products, pricing and positioning as concise Markdown notes. Say what you are unsure of.',
  },
  summarize: {
    description: 'Condenses research notes to the points that matter',
    system: 'Summarise the research notes you are given in at most six bullet points, keeping names and figures.',
  },
  draft: {
    description: 'Writes a short Markdown report from a summary',
    system:
      'Write a short competitor report in Markdown (title, summary, key points, next steps) from the summary you are given.',
  },
  proofread: {
    description: 'Fixes spelling, grammar and formatting without changing meaning',
    system:
      'Proofread the Markdown report you are given. Fix spelling, grammar and formatting only. Answer with the corrected report and nothing else.',
  },
} as const;

/**
 * Largest body the demo's `fetch_url` tool reads, bytes. A model reads at most 16 000 characters of
 * a tool result (src/agents/tools/bounds.ts), so 15 000 bytes plus the cut note always fit.
 */
export const DEMO_FETCH_MAX_BYTES = 15_000;

/**
 * The tool the `research` agent gets when a model serves it: a GET of any `https:` URL the model
 * names, read up to {@link DEMO_FETCH_MAX_BYTES} (the outbound URL policy applies to each hop, and a
 * redirect to `http:` is refused). It needs no account, so it works wherever the Worker runs.
 */
export const DEMO_FETCH_TOOL = {
  http: {
    name: 'fetch_url',
    description: `Reads a public web page or document: GET of an https:// URL. Answers the body as text (JSON parsed), at most ${DEMO_FETCH_MAX_BYTES} bytes; a longer body is cut and says so.`,
    parameters: {
      type: 'object',
      properties: { url: { type: 'string', description: 'The https:// URL to read' } },
      required: ['url'],
      additionalProperties: false,
    },
    method: 'GET',
    url: '{{ args.url }}',
    schemes: ['https:'],
    max_bytes: DEMO_FETCH_MAX_BYTES,
  },
} as const;

/** What the `research` agent is told about its tool when it has one. */
const FETCH_HINT =
  ' You can read web pages with the fetch_url tool (https only): fetch the few pages that matter, cite the URLs you read, and say when a page could not be read.';

/** Settings of an OpenAI-compatible endpoint, from `.dev.vars`. */
export interface ModelSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

/**
 * The `PUT /api/agents/:name` bodies of the demo agents: `openai` when an endpoint and model are
 * configured (`research` then also gets {@link DEMO_FETCH_TOOL}), else the offline `builtin` tools,
 * which have no tools and say they are offline.
 */
export function demoAgentBodies(settings: ModelSettings): Record<string, unknown> {
  const useModel = !!(settings.baseUrl && settings.model);
  const out: Record<string, unknown> = {};
  for (const [name, agent] of Object.entries(DEMO_AGENTS)) {
    out[name] = useModel
      ? {
          provider: 'openai',
          description: agent.description,
          capabilities: { skills: [name], input_types: ['text'], output_types: ['text'] },
          config: {
            baseUrl: settings.baseUrl,
            model: settings.model,
            system: name === 'research' ? agent.system + FETCH_HINT : agent.system,
            ...(settings.apiKey ? { apiKeySecret: 'OPENAI_API_KEY' } : {}),
          },
          ...(name === 'research' ? { tools: [DEMO_FETCH_TOOL] } : {}),
        }
      : {
          provider: 'builtin',
          description: `${agent.description} (offline builtin tool)`,
          capabilities: { skills: [name], input_types: ['text'], output_types: ['text'] },
          config: { tool: name },
        };
  }
  return out;
}
