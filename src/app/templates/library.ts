import type { Template, TemplateVarValue } from './template';

/**
 * The templates library (issue 20): common workflows a user starts from. Each works with the
 * builtin demo agents offline (`research`, `summarize`, `draft`, `proofread`) and with models once
 * those agents are model agents.
 */

const str = (v: TemplateVarValue) => (Array.isArray(v) ? v.join(', ') : v);
const list = (v: TemplateVarValue) => (Array.isArray(v) ? v : [v]);
const ALIAS = {
  description: 'The email alias that starts a run (<alias>@your domain); empty: the workflow name',
  default: '',
};
const aliasOf = (name: string, v: TemplateVarValue) => str(v) || name;
const TIMEOUT = '2m';

const competitorAnalysis: Template = {
  id: 'competitor-analysis',
  title: 'Competitor analysis by email',
  description:
    'Email the alias a market or company; research, summary, draft and proofread come back as a threaded reply',
  trigger: 'email',
  vars: { alias: ALIAS },
  build: (name, vars) => ({
    name,
    description: 'Research competitors, summarise, draft and proofread a report',
    triggers: [{ email: { alias: aliasOf(name, vars.alias!) } }],
    inputs: { topic: { type: 'string', required: false, description: 'Market or company to research' } },
    steps: [
      {
        id: 'research',
        agent: 'research',
        input: "{{ inputs.topic ? inputs.topic : trigger.email.subject & '\\n\\n' & trigger.email.text }}",
        timeout: TIMEOUT,
        retry: { max_attempts: 3, backoff: 'exponential', initial_interval: '1s' },
      },
      { id: 'summarize', agent: 'summarize', input: '{{ research.output }}', timeout: TIMEOUT },
      { id: 'draft', agent: 'draft', input: '{{ summarize.output }}', timeout: TIMEOUT },
      { id: 'proofread', agent: 'proofread', input: '{{ draft.output }}', timeout: TIMEOUT },
    ],
    output: '{{ proofread.output }}',
  }),
};

const dailyDigest: Template = {
  id: 'daily-news-digest',
  title: 'Daily news digest',
  description: 'Every morning, research the news on a topic and summarise it into a short digest',
  trigger: 'schedule',
  vars: {
    topic: { description: 'What the digest is about', default: 'AI agents' },
    cron: { description: 'When (five-field cron)', default: '0 7 * * 1-5' },
    timezone: { description: 'IANA time zone of the cron', default: 'UTC' },
  },
  build: (name, vars) => ({
    name,
    description: `A daily digest of the news on ${str(vars.topic!)}`,
    triggers: [{ schedule: { cron: str(vars.cron!), timezone: str(vars.timezone!) } }],
    vars: { topic: str(vars.topic!) },
    steps: [
      { id: 'research', agent: 'research', input: "{{ 'The latest news on ' & vars.topic }}", timeout: TIMEOUT },
      { id: 'digest', agent: 'summarize', input: '{{ research.output }}', timeout: TIMEOUT },
    ],
    output: '{{ digest.output }}',
  }),
};

const weeklyCompetitors: Template = {
  id: 'weekly-competitor-update',
  title: 'Weekly competitor update',
  description: 'Every week, research what changed at each competitor (side by side), then one summarised report',
  trigger: 'schedule',
  vars: {
    competitors: { description: 'The companies to follow', default: ['Acme', 'Globex', 'Initech'] },
    cron: { description: 'When (five-field cron)', default: '0 8 * * 1' },
    timezone: { description: 'IANA time zone of the cron', default: 'UTC' },
  },
  build: (name, vars) => ({
    name,
    description: `What changed this week at ${str(vars.competitors!)}`,
    triggers: [{ schedule: { cron: str(vars.cron!), timezone: str(vars.timezone!) } }],
    vars: { competitors: list(vars.competitors!) },
    steps: [
      {
        id: 'per_competitor',
        foreach: '{{ vars.competitors }}',
        concurrency: 5,
        do: [
          {
            id: 'changes',
            agent: 'research',
            input: "{{ 'What changed at ' & item & ' this week?' }}",
            timeout: TIMEOUT,
          },
        ],
      },
      { id: 'summarize', agent: 'summarize', input: "{{ $join(per_competitor.output, '\\n\\n') }}", timeout: TIMEOUT },
      { id: 'report', agent: 'draft', input: '{{ summarize.output }}', timeout: TIMEOUT },
    ],
    output: '{{ report.output }}',
  }),
};

const prReview: Template = {
  id: 'pr-review',
  title: 'Pull request review from a GitHub webhook',
  description: 'A signed GitHub pull_request webhook (opened, reopened, synchronize) gets a drafted, proofread review',
  trigger: 'webhook',
  vars: {
    secret: {
      description: 'The secret holding the webhook signing key (PUT /api/secrets/:name)',
      default: 'GH_HOOK_SECRET',
    },
  },
  build: (name, vars) => ({
    name,
    description: 'Review pull requests as GitHub reports them',
    triggers: [
      {
        webhook: {
          signature: 'github',
          secret: str(vars.secret!),
          filter: "{{ body.pull_request and body.action in ['opened', 'reopened', 'synchronize'] }}",
          input: {
            title: '{{ body.pull_request.title }}',
            description: "{{ body.pull_request.body ? body.pull_request.body : '' }}",
            url: '{{ body.pull_request.html_url }}',
          },
        },
      },
    ],
    inputs: {
      title: { type: 'string' },
      description: { type: 'string', required: false },
      url: { type: 'string', required: false },
    },
    steps: [
      {
        id: 'analyse',
        agent: 'research',
        input: "{{ 'Pull request: ' & inputs.title & '\\n\\n' & inputs.description }}",
        timeout: TIMEOUT,
      },
      {
        id: 'review',
        agent: 'draft',
        input: "{{ 'A review of ' & inputs.url & ':\\n\\n' & analyse.output }}",
        timeout: TIMEOUT,
      },
      { id: 'polish', agent: 'proofread', input: '{{ review.output }}', timeout: TIMEOUT },
    ],
    output: '{{ polish.output }}',
  }),
};

const supportTriage: Template = {
  id: 'support-triage',
  title: 'Support triage by email',
  description: 'Support email is sorted (billing, technical, general) by a switch and answered with a drafted reply',
  trigger: 'email',
  vars: {
    alias: ALIAS,
    billing_words: {
      description: 'Words that make a message billing',
      default: ['invoice', 'refund', 'charge', 'price'],
    },
    technical_words: {
      description: 'Words that make a message technical',
      default: ['error', 'bug', 'crash', 'login'],
    },
  },
  build: (name, vars) => ({
    name,
    description: 'Sort support email and draft the answer',
    triggers: [{ email: { alias: aliasOf(name, vars.alias!) } }],
    vars: { billing: list(vars.billing_words!), technical: list(vars.technical_words!) },
    steps: [
      {
        id: 'route',
        switch:
          "{{ $lowercase(trigger.email.subject & ' ' & trigger.email.text) ~> function($t) { $count(vars.billing[$contains($t, $)]) > 0 ? 'billing' : ($count(vars.technical[$contains($t, $)]) > 0 ? 'technical' : 'general') } }}",
        cases: {
          billing: [
            {
              id: 'billing',
              agent: 'draft',
              input: "{{ 'A billing question:\\n\\n' & trigger.email.text }}",
              timeout: TIMEOUT,
            },
          ],
          technical: [
            { id: 'diagnose', agent: 'research', input: '{{ trigger.email.text }}', timeout: TIMEOUT },
            { id: 'technical', agent: 'draft', input: '{{ diagnose.output }}', timeout: TIMEOUT },
          ],
        },
        default: [{ id: 'general', agent: 'draft', input: '{{ trigger.email.text }}', timeout: TIMEOUT }],
      },
      { id: 'answer', agent: 'proofread', input: '{{ route.output }}', timeout: TIMEOUT },
    ],
    output: '{{ answer.output }}',
  }),
};

const rfpResponse: Template = {
  id: 'rfp-response',
  title: 'RFP response with review',
  description:
    'Requirements, pricing and references researched in parallel, a draft response, a person approves, then proofread',
  trigger: 'email',
  vars: {
    alias: ALIAS,
    approvers: { description: 'Who approves the response before it is sent', default: ['lead@example.com'] },
  },
  build: (name, vars) => ({
    name,
    description: 'Answer a request for proposal, reviewed by a person',
    triggers: [{ email: { alias: aliasOf(name, vars.alias!) } }],
    inputs: { rfp: { type: 'string', required: false, description: 'The RFP text (else the email)' } },
    steps: [
      {
        id: 'research',
        parallel: [
          {
            id: 'requirements',
            agent: 'research',
            input: "{{ 'Requirements of this RFP: ' & (inputs.rfp ? inputs.rfp : trigger.email.text) }}",
            timeout: TIMEOUT,
          },
          {
            id: 'pricing',
            agent: 'research',
            input: "{{ 'Pricing for: ' & (inputs.rfp ? inputs.rfp : trigger.email.subject) }}",
            timeout: TIMEOUT,
          },
          {
            id: 'references',
            agent: 'research',
            input: "{{ 'Customer references for: ' & (inputs.rfp ? inputs.rfp : trigger.email.subject) }}",
            timeout: TIMEOUT,
          },
        ],
      },
      {
        id: 'draft',
        agent: 'draft',
        input: "{{ requirements.output & '\\n\\n' & pricing.output & '\\n\\n' & references.output }}",
        timeout: TIMEOUT,
      },
      {
        id: 'review',
        approval: {
          assignees: list(vars.approvers!),
          message: 'Send this RFP response?\n\n{{ draft.output }}',
          deadline: '3d',
        },
      },
      { id: 'final', agent: 'proofread', input: '{{ draft.output }}', timeout: TIMEOUT },
    ],
    output: '{{ final.output }}',
  }),
};

/** Every template, in the order the dashboard lists them. */
export const TEMPLATES: readonly Template[] = [
  competitorAnalysis,
  dailyDigest,
  weeklyCompetitors,
  prReview,
  supportTriage,
  rfpResponse,
];
