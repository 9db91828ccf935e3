import { useState } from 'react';
import { type AgentFilters, agentVersionsPath, agentsPath } from '../api';
import { ErrorNote, Loading, PageHeader, Status } from '../components/ui';
import { formatDuration, formatTime, formatUsd } from '../format';
import { useApi } from '../hooks';
import type { Agent } from '../types';

/** The registry's statuses (src/schemas/enums.ts AgentStatus). */
const STATUSES: Agent['status'][] = ['active', 'beta', 'deprecated', 'offline'];
const NO_FILTERS: AgentFilters = { skill: '', domain: '', status: '', q: '' };

const percent = (rate: number | null | undefined) =>
  rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`;

/** An agent's versions, newest first, read when opened. */
function Versions({ name }: { name: string }) {
  const list = useApi<{ versions: Agent[] }>(agentVersionsPath(name));
  if (list.error) return <ErrorNote error={list.error} />;
  if (!list.data) return <Loading />;
  return (
    <ul className="versions" aria-label={`Versions of ${name}`}>
      {list.data.versions.map((v) => (
        <li key={v.version}>
          <strong>v{v.version}</strong> {formatTime(v.createdAt)} · {v.provider} · <Status value={v.status} />
          {v.description ? <span className="muted"> · {v.description}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** The agent registry: search and filters, each agent's status, versions, health and metrics of the last 24 h. */
export function AgentsPage() {
  const [filters, setFilters] = useState<AgentFilters>(NO_FILTERS);
  const [open, setOpen] = useState<string | null>(null);
  const all = useApi<{ agents: Agent[] }>('/agents');
  const list = useApi<{ agents: Agent[] }>(agentsPath(filters));
  const known = all.data?.agents ?? [];
  const skills = [...new Set(known.flatMap((a) => a.capabilities.skills))].sort();
  const domains = [...new Set(known.flatMap((a) => (a.capabilities.domain ? [a.capabilities.domain] : [])))].sort();
  const select = (key: 'skill' | 'domain' | 'status', label: string, options: string[]) => (
    <label>
      {label}{' '}
      <select value={filters[key]} onChange={(e) => setFilters({ ...filters, [key]: e.target.value })}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <PageHeader title="Agents">
        <span className="muted">Health over the last 24 h</span>
      </PageHeader>
      <fieldset className="filters" aria-label="Filters">
        <label>
          Search{' '}
          <input
            type="search"
            value={filters.q}
            placeholder="name or description"
            onChange={(e) => setFilters({ ...filters, q: e.target.value })}
          />
        </label>
        {select('skill', 'Skill', skills)}
        {select('domain', 'Domain', domains)}
        {select('status', 'Status', STATUSES)}
      </fieldset>
      <ErrorNote error={list.error ?? all.error} />
      {!list.data && !list.error && <Loading />}
      <table aria-label="Agents">
        <thead>
          <tr>
            <th>Agent</th>
            <th>Status</th>
            <th>Version</th>
            <th>Circuit</th>
            <th>Calls</th>
            <th>Success</th>
            <th>p50</th>
            <th>p95</th>
            <th>Cost / call</th>
            <th>Cost</th>
            <th>Used by</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.agents.map((a) => (
            <tr key={a.name}>
              <td>
                <strong>{a.name}</strong> <span className="muted">{a.provider}</span>
                {a.description ? <div className="muted">{a.description}</div> : null}
                {a.capabilities.skills.length ? (
                  <div className="muted">
                    {a.capabilities.domain ? `${a.capabilities.domain}: ` : ''}
                    {a.capabilities.skills.join(', ')}
                  </div>
                ) : null}
                {a.replaced_by ? <div className="muted">replaced by {a.replaced_by}</div> : null}
                {open === a.name ? <Versions name={a.name} /> : null}
              </td>
              <td>
                <Status value={a.status} />
              </td>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-expanded={open === a.name}
                  onClick={() => setOpen(open === a.name ? null : a.name)}
                >
                  v{a.version}
                </button>
              </td>
              <td>{a.circuit ? <Status value={a.circuit.state} /> : '—'}</td>
              <td className="num">{a.stats?.calls ?? 0}</td>
              <td className="num">{percent(a.stats?.successRate)}</td>
              <td className="num">{formatDuration(a.stats?.p50Ms)}</td>
              <td className="num">{formatDuration(a.stats?.p95Ms)}</td>
              <td className="num">{formatUsd(a.stats?.costPerCallUsd)}</td>
              <td className="num">{formatUsd(a.stats?.costUsd)}</td>
              <td className="num">{a.dependants ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.agents.length === 0 ? <p className="muted">No agent matches.</p> : null}
    </>
  );
}
