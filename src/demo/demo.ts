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

/** Settings of an OpenAI-compatible endpoint, from `.dev.vars`. */
export interface ModelSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

/**
 * The `PUT /api/agents/:name` bodies of the demo agents: `openai` when an endpoint and model are
 * configured, else the offline `builtin` tools.
 */
export function demoAgentBodies(settings: ModelSettings): Record<string, unknown> {
  const useModel = !!(settings.baseUrl && settings.model);
  const out: Record<string, unknown> = {};
  for (const [name, agent] of Object.entries(DEMO_AGENTS)) {
    out[name] = useModel
      ? {
          provider: 'openai',
          description: agent.description,
          capabilities: ['text'],
          config: {
            baseUrl: settings.baseUrl,
            model: settings.model,
            system: agent.system,
            ...(settings.apiKey ? { apiKeySecret: 'OPENAI_API_KEY' } : {}),
          },
        }
      : {
          provider: 'builtin',
          description: `${agent.description} (offline builtin tool)`,
          capabilities: ['text'],
          config: { tool: name },
        };
  }
  return out;
}
