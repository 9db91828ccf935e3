import { useMemo, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { Link } from 'wouter';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { formatDuration, formatUsd } from '../format';
import { useApi } from '../hooks';
import type { AgentsAnalytics, RunStats, WorkflowAnalytics, WorkflowsAnalytics } from '../types';

const SPANS = { '24h': [1, 'hour'], '7d': [7, 'day'], '30d': [30, 'day'] } as const;
type SpanName = keyof typeof SPANS;

const pct = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`);

/** The query of a span ending now, rounded to the minute so the page does not refetch on every render. */
function spanQuery(span: SpanName): string {
  const [days, bucket] = SPANS[span];
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  return `from=${new Date(to - days * 86_400_000).toISOString()}&to=${new Date(to).toISOString()}&bucket=${bucket}`;
}

function Totals({ totals }: { totals: RunStats }) {
  const cells: [string, string][] = [
    ['Runs', String(totals.runs)],
    ['Success rate', pct(totals.successRate)],
    ['Duration p50', formatDuration(totals.durationP50Ms)],
    ['Duration p95', formatDuration(totals.durationP95Ms)],
    ['Retries', String(totals.retries)],
    ['Cost', formatUsd(totals.costUsd)],
    ['Tokens in / out', `${totals.inputTokens} / ${totals.outputTokens}`],
    ['Approvals per run', totals.approvalsPerRun === null ? '—' : totals.approvalsPerRun.toFixed(2)],
    ['Time to decide', formatDuration(totals.decideMeanMs)],
    ['Feedback 👍 / 👎', `${totals.feedbackUp} / ${totals.feedbackDown}`],
  ];
  return (
    <dl className="stats" aria-label="Totals">
      {cells.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Charts({ buckets, bucket }: { buckets: WorkflowsAnalytics['buckets']; bucket: string }) {
  const data = buckets.map((b) => ({
    at: bucket === 'hour' ? b.start.slice(11, 16) : b.start.slice(5, 10),
    completed: b.completed,
    failed: b.failed,
    cancelled: b.cancelled,
    p50: b.durationP50Ms === null ? null : b.durationP50Ms / 1000,
    p95: b.durationP95Ms === null ? null : b.durationP95Ms / 1000,
    cost: b.costUsd,
  }));
  return (
    <div className="charts">
      <figure aria-label="Runs per bucket">
        <figcaption>Runs</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="completed" stackId="runs" fill="var(--ok)" />
            <Bar dataKey="failed" stackId="runs" fill="var(--bad)" />
            <Bar dataKey="cancelled" stackId="runs" fill="var(--muted)" />
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure aria-label="Run duration per bucket">
        <figcaption>Duration (s)</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" />
            <YAxis />
            <Tooltip />
            <Legend />
            <Line dataKey="p50" stroke="var(--run)" connectNulls dot={false} />
            <Line dataKey="p95" stroke="var(--warn)" connectNulls dot={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure aria-label="Cost per bucket">
        <figcaption>Cost (USD)</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" />
            <YAxis />
            <Tooltip />
            <Bar dataKey="cost" fill="var(--accent)" />
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}

function WorkflowSteps({ name, query }: { name: string; query: string }) {
  const one = useApi<WorkflowAnalytics>(`/analytics/workflows/${encodeURIComponent(name)}?${query}`);
  if (one.error) return <ErrorNote error={one.error} />;
  if (!one.data) return <Loading />;
  return (
    <table aria-label={`Steps of ${name}`}>
      <thead>
        <tr>
          <th>Step</th>
          <th>Instances</th>
          <th>Failure rate</th>
          <th>p50</th>
          <th>p95</th>
          <th>Retries</th>
          <th>Cost</th>
        </tr>
      </thead>
      <tbody>
        {one.data.steps.map((s) => (
          <tr key={s.step}>
            <td className="mono">{s.step}</td>
            <td>{s.instances}</td>
            <td>{pct(s.failureRate)}</td>
            <td>{formatDuration(s.p50Ms)}</td>
            <td>{formatDuration(s.p95Ms)}</td>
            <td>{s.retries}</td>
            <td>{formatUsd(s.costUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Success, latency and cost over time for every workflow, per workflow, per step and per agent. */
export function AnalyticsPage() {
  const [span, setSpan] = useState<SpanName>('7d');
  const [workflow, setWorkflow] = useState('');
  const query = useMemo(() => spanQuery(span), [span]);
  const all = useApi<WorkflowsAnalytics>(`/analytics/workflows?${query}`);
  const one = useApi<WorkflowAnalytics>(
    workflow ? `/analytics/workflows/${encodeURIComponent(workflow)}?${query}` : null,
  );
  const agents = useApi<AgentsAnalytics>(`/analytics/agents?${query}`);
  const shown = workflow ? one.data : all.data;
  return (
    <>
      <PageHeader title="Analytics" />
      <div className="filters">
        <label>
          Span{' '}
          <select value={span} onChange={(e) => setSpan(e.target.value as SpanName)}>
            {Object.keys(SPANS).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Workflow{' '}
          <select value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            <option value="">all</option>
            {all.data?.workflows.map((w) => (
              <option key={w.workflow}>{w.workflow}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={all.error ?? one.error ?? agents.error} />
      {!shown && !all.error && <Loading />}
      {shown && (
        <>
          {shown.truncated && <p className="error">More runs ended in this span than one answer reads: narrow it.</p>}
          <Totals totals={shown.totals} />
          <Charts buckets={shown.buckets} bucket={shown.bucket} />
        </>
      )}
      {workflow ? (
        <>
          <h2>Steps</h2>
          <WorkflowSteps name={workflow} query={query} />
        </>
      ) : (
        <>
          <h2>Workflows</h2>
          <table aria-label="Workflows">
            <thead>
              <tr>
                <th>Workflow</th>
                <th>Runs</th>
                <th>Success rate</th>
                <th>p50</th>
                <th>p95</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {all.data?.workflows.map((w) => (
                <tr key={w.workflow}>
                  <td>
                    <Link href={`/workflows/${encodeURIComponent(w.workflow)}`}>{w.workflow}</Link>
                  </td>
                  <td>{w.runs}</td>
                  <td>{pct(w.successRate)}</td>
                  <td>{formatDuration(w.durationP50Ms)}</td>
                  <td>{formatDuration(w.durationP95Ms)}</td>
                  <td>{formatUsd(w.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Agents</h2>
      <table aria-label="Agents">
        <thead>
          <tr>
            <th>Agent</th>
            <th>Runs</th>
            <th>Calls</th>
            <th>Failure rate</th>
            <th>p50</th>
            <th>p95</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {agents.data?.agents.map((a) => (
            <tr key={a.agent}>
              <td>{a.agent}</td>
              <td>{a.runs}</td>
              <td>{a.instances}</td>
              <td>{pct(a.failureRate)}</td>
              <td>{formatDuration(a.p50Ms)}</td>
              <td>{formatDuration(a.p95Ms)}</td>
              <td>{formatUsd(a.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
