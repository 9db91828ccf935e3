import { createRoute, z } from '@hono/zod-openapi';
import { agentRollups, bucketCount } from '../../core/analytics/rollup';
import { agentReport, type Span, workflowReport, workflowsReport } from '../../core/analytics/report';
import { BatonError } from '../../core/errors';
import {
  type FactWindow,
  feedbackIn,
  MAX_RUN_FACTS,
  MAX_STEP_FACTS,
  runFactsIn,
  stepFactsIn,
} from '../../adapter/cloudflare/d1/analytics';
import { database } from '../../adapter/cloudflare/d1/client';
import { scoreFactsIn } from '../../adapter/cloudflare/d1/scores';
import {
  AgentAnalytics,
  AgentsAnalytics,
  AnalyticsQuery,
  MAX_BUCKETS,
  WorkflowAnalytics,
  WorkflowsAnalytics,
} from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const analyticsRoutes = router();

const DEFAULT_SPAN_MS = 7 * 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function badQuery(field: string, message: string): never {
  throw new BatonError('bad_request', `invalid query: query.${field}: ${message}`, {
    issues: [{ path: `query.${field}`, message }],
  });
}

/** The span a query asks for: `to` defaults to now, `from` to 7 days before; at most {@link MAX_BUCKETS} buckets. */
function spanOf(q: z.infer<typeof AnalyticsQuery>): Span {
  const to = q.to ? Date.parse(q.to) : Date.now();
  const from = q.from ? Date.parse(q.from) : to - DEFAULT_SPAN_MS;
  if (from >= to) badQuery('from', 'must be before `to`');
  if (bucketCount(from, to, q.bucket) > MAX_BUCKETS)
    badQuery('bucket', `the span has more than ${MAX_BUCKETS} ${q.bucket}s: narrow it or use bigger buckets`);
  return { from, to, bucket: q.bucket };
}

const spanView = (span: Span, truncated: boolean) => ({
  from: iso(span.from),
  to: iso(span.to),
  bucket: span.bucket,
  truncated,
});
const windowOf = (span: Span, narrow: Omit<FactWindow, 'from' | 'to'> = {}): FactWindow => ({
  from: iso(span.from),
  to: iso(span.to),
  ...narrow,
});
const withIsoStart = <T extends { start: number }>(buckets: T[]): (Omit<T, 'start'> & { start: string })[] =>
  buckets.map((b) => ({ ...b, start: iso(b.start) }));
const capped = <T>(items: T[], max: number) => ({ items: items.slice(0, max), truncated: items.length > max });

analyticsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/workflows',
    operationId: 'workflowsAnalytics',
    summary: 'Runs of all workflows over a span: totals, buckets, and per workflow',
    request: { query: AnalyticsQuery },
    responses: { 200: jsonBody(WorkflowsAnalytics, 'Rollups of the runs that ended in the span'), ...authErrors(400) },
  }),
  async (c) => {
    const span = spanOf(c.req.valid('query'));
    const db = database(c.env.DB);
    const window = windowOf(span);
    const runs = capped(await runFactsIn(db, c.var.tenantId, window), MAX_RUN_FACTS);
    const feedback = await feedbackIn(db, c.var.tenantId, window);
    const scores = await scoreFactsIn(db, c.var.tenantId, window);
    const report = workflowsReport(runs.items, { feedback, scores }, span);
    return c.json(
      {
        ...spanView(span, runs.truncated),
        ...report,
        buckets: withIsoStart(report.buckets),
      } satisfies WorkflowsAnalytics,
      200,
    );
  },
);

analyticsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/workflows/{name}',
    operationId: 'workflowAnalytics',
    summary: "One workflow's runs over a span: totals, buckets, and per step latency and failures",
    request: { params: z.object({ name: z.string() }), query: AnalyticsQuery },
    responses: {
      200: jsonBody(WorkflowAnalytics, 'Zeros for a workflow that ended no run in the span'),
      ...authErrors(400),
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const span = spanOf(c.req.valid('query'));
    const db = database(c.env.DB);
    const window = windowOf(span, { workflow: name });
    const runs = capped(await runFactsIn(db, c.var.tenantId, window), MAX_RUN_FACTS);
    const steps = capped(await stepFactsIn(db, c.var.tenantId, window), MAX_STEP_FACTS);
    const feedback = await feedbackIn(db, c.var.tenantId, window);
    const scores = await scoreFactsIn(db, c.var.tenantId, window);
    const report = workflowReport(runs.items, steps.items, { feedback, scores }, span);
    const truncated = runs.truncated || steps.truncated;
    return c.json(
      {
        ...spanView(span, truncated),
        workflow: name,
        ...report,
        buckets: withIsoStart(report.buckets),
      } satisfies WorkflowAnalytics,
      200,
    );
  },
);

analyticsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/agents',
    operationId: 'agentsAnalytics',
    summary: 'Every agent over a span: the step instances it served, their latency, failures and cost',
    request: { query: AnalyticsQuery },
    responses: { 200: jsonBody(AgentsAnalytics, 'Per agent, by name'), ...authErrors(400) },
  }),
  async (c) => {
    const span = spanOf(c.req.valid('query'));
    const steps = capped(await stepFactsIn(database(c.env.DB), c.var.tenantId, windowOf(span)), MAX_STEP_FACTS);
    return c.json(
      { ...spanView(span, steps.truncated), agents: agentRollups(steps.items) } satisfies AgentsAnalytics,
      200,
    );
  },
);

analyticsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/analytics/agents/{name}',
    operationId: 'agentAnalytics',
    summary: 'One agent over a span: totals and buckets',
    request: { params: z.object({ name: z.string() }), query: AnalyticsQuery },
    responses: {
      200: jsonBody(AgentAnalytics, 'Zeros for an agent that served no step in the span'),
      ...authErrors(400),
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const span = spanOf(c.req.valid('query'));
    const window = windowOf(span, { agent: name });
    const steps = capped(await stepFactsIn(database(c.env.DB), c.var.tenantId, window), MAX_STEP_FACTS);
    const report = agentReport(name, steps.items, span);
    return c.json(
      {
        ...spanView(span, steps.truncated),
        agent: name,
        ...report,
        buckets: withIsoStart(report.buckets),
      } satisfies AgentAnalytics,
      200,
    );
  },
);
