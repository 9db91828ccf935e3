import { ErrorNote, Loading, PageHeader, Status } from '../components/ui';
import { formatDuration, formatUsd } from '../format';
import { useApi } from '../hooks';
import type { Agent } from '../types';

/** The agent registry with health: circuit breaker state and the last 24 h of calls. */
export function AgentsPage() {
  const list = useApi<{ agents: Agent[] }>('/agents?include=health&hours=24');
  return (
    <>
      <PageHeader title="Agents">
        <span className="muted">Health over the last 24 h</span>
      </PageHeader>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading />}
      <table aria-label="Agents">
        <thead>
          <tr>
            <th>Agent</th>
            <th>Provider</th>
            <th>Circuit</th>
            <th>Calls</th>
            <th>Success</th>
            <th>p50</th>
            <th>p95</th>
            <th>Tokens</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.agents.map((a) => (
            <tr key={a.name}>
              <td>
                <strong>{a.name}</strong>
                {a.description ? <div className="muted">{a.description}</div> : null}
              </td>
              <td>{a.provider}</td>
              <td>{a.circuit ? <Status value={a.circuit.state} /> : '—'}</td>
              <td className="num">{a.stats?.calls ?? 0}</td>
              <td className="num">
                {a.stats?.successRate === null || a.stats?.successRate === undefined
                  ? '—'
                  : `${(a.stats.successRate * 100).toFixed(1)} %`}
              </td>
              <td className="num">{formatDuration(a.stats?.p50Ms)}</td>
              <td className="num">{formatDuration(a.stats?.p95Ms)}</td>
              <td>{a.stats ? a.stats.inputTokens + a.stats.outputTokens || '—' : '—'}</td>
              <td className="num">{formatUsd(a.stats?.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
