import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { ErrorNote, Loading, PageHeader, Status } from '../components/ui';
import { elapsed, formatDuration, formatTime, shortId } from '../format';
import { useApi, useEventStream } from '../hooks';
import type { RunSummary, WorkflowSummary } from '../types';
import { RUN_STATUSES, TRIGGER_TYPES } from '../../../src/schemas/enum-values';

const STATUSES: string[] = [...RUN_STATUSES];
const TRIGGERS: string[] = [...TRIGGER_TYPES];
/** Runs shown at first, and added by "Show more", up to the feed's 200. */
const PAGE = 50;
const MAX = 200;

/** Runs, newest first, with filters; kept live by the server-sent runs feed. */
export function RunsPage() {
  const [filter, setFilter] = useState({ workflow: '', status: '', trigger: '' });
  const [limit, setLimit] = useState(PAGE);
  const query = useMemo(
    () => new URLSearchParams([...Object.entries(filter).filter(([, v]) => v), ['limit', String(limit)]]).toString(),
    [filter, limit],
  );
  const workflows = useApi<{ workflows: WorkflowSummary[] }>('/workflows');
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const connected = useEventStream(`/live/runs?${query}`, (event, data) => {
    if (event === 'runs') setRuns((JSON.parse(data) as { runs: RunSummary[] }).runs);
  });
  const select = (key: keyof typeof filter, label: string, options: string[]) => (
    <label>
      {label}{' '}
      <select value={filter[key]} onChange={(e) => setFilter({ ...filter, [key]: e.target.value })}>
        <option value="">all</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <PageHeader title="Runs">
        <span className={`live ${connected ? 'on' : ''}`} role="status">
          {connected ? 'Live' : 'Connecting…'}
        </span>
      </PageHeader>
      <fieldset className="filters" aria-label="Filters">
        {select('workflow', 'Workflow', workflows.data?.workflows.map((w) => w.name) ?? [])}
        {select('status', 'Status', STATUSES)}
        {select('trigger', 'Trigger', TRIGGERS)}
      </fieldset>
      <ErrorNote error={workflows.error} />
      {!runs && <Loading />}
      <table aria-label="Runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Workflow</th>
            <th>Status</th>
            <th>Trigger</th>
            <th>Progress</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs?.map((run) => (
            <tr key={run.id}>
              <td>
                <Link href={`/runs/${encodeURIComponent(run.id)}`} className="mono">
                  {shortId(run.id)}
                </Link>
              </td>
              <td>
                {run.workflow} <span className="muted">v{run.version}</span>
              </td>
              <td>
                <Status value={run.status} />
                {run.queuedFor && <span className="muted"> for {run.queuedFor}</span>}
              </td>
              <td>{run.trigger.type}</td>
              <td>
                <progress
                  max={run.stepsTotal || 1}
                  value={run.stepsDone}
                  aria-label={`${run.stepsDone} of ${run.stepsTotal} steps done`}
                />{' '}
                <span className="muted">
                  {run.stepsDone} / {run.stepsTotal}
                </span>
              </td>
              <td>{formatTime(run.startedAt ?? run.createdAt)}</td>
              <td>{formatDuration(elapsed(run.startedAt ?? run.createdAt, run.endedAt))}</td>
            </tr>
          ))}
          {runs?.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No runs match.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {runs?.length === limit && limit < MAX && (
        <button type="button" onClick={() => setLimit(limit + PAGE)}>
          Show more
        </button>
      )}
      {runs?.length === MAX && (
        <p className="muted">
          The newest {MAX} runs; filter to find older ones, or page with <code>GET /api/runs?cursor=</code>.
        </p>
      )}
    </>
  );
}
