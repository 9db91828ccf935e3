import { useCallback, useEffect, useState } from 'react';
import { Link } from 'wouter';
import { type ApiError, plans, type TaskPlan } from '../api';
import { ErrorNote, Loading, PageHeader, Status } from '../components/ui';
import { formatDuration, formatTime, formatUsd, shortId } from '../format';

/** The planner's plans: tasks in words, the workflows proposed for them, their estimates; approve or reject. */
export function PlansPage() {
  const [list, setList] = useState<TaskPlan[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = useCallback(() => {
    plans.list().then(
      (page) => setList(page.plans),
      (err: ApiError) => setError(err),
    );
  }, []);
  useEffect(load, [load]);
  return (
    <>
      <PageHeader title="Plans">
        <span className="muted">Email a task to plan@ or POST /api/plan</span>
      </PageHeader>
      <NewPlan onCreated={load} />
      <ErrorNote error={error} />
      {!list && !error && <Loading />}
      {list?.length === 0 && <p className="muted">No plans yet.</p>}
      <ul className="cards">
        {list?.map((p) => (
          <li key={p.id}>
            <PlanCard plan={p} onDecided={load} />
          </li>
        ))}
      </ul>
    </>
  );
}

function NewPlan({ onCreated }: { onCreated: () => void }) {
  const [task, setTask] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await plans.create(task.trim());
      setTask('');
      onCreated();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      aria-label="New plan"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label htmlFor="plan-task">Task</label>
      <textarea
        id="plan-task"
        rows={2}
        maxLength={4000}
        value={task}
        onChange={(e) => setTask(e.target.value)}
        placeholder="e.g. Research our three CRM competitors, summarise each, and draft a report"
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !task.trim()}>
          {busy ? 'Planning…' : 'Plan'}
        </button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}

function PlanCard({ plan: p, onDecided }: { plan: TaskPlan; onDecided: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const decide = async (action: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await plans[action](p.id);
      onDecided();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const open = p.status === 'proposed' || p.status === 'invalid' || p.status === 'failed';
  return (
    <article className="card" aria-label={`Plan ${p.id}`}>
      <header>
        <span className="mono">{shortId(p.id)}</span> <Status value={p.status} /> · {formatTime(p.createdAt)}
        {p.requester ? ` · from ${p.requester}` : ''}
        {p.runId ? (
          <>
            {' '}
            · run{' '}
            <Link href={`/runs/${encodeURIComponent(p.runId)}`} className="mono">
              {shortId(p.runId)}
            </Link>
          </>
        ) : null}
      </header>
      <p>{p.task}</p>
      {p.estimate ? (
        <>
          <p className="muted">
            Estimate: {formatUsd(p.estimate.costUsd)} per run · {formatDuration(p.estimate.durationMs)} along{' '}
            {p.estimate.criticalPath.join(' → ')}
          </p>
          <table aria-label={`Steps of plan ${p.id}`}>
            <thead>
              <tr>
                <th>Step</th>
                <th>Agent</th>
                <th>After</th>
                <th>Duration</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {p.estimate.steps.map((s) => (
                <tr key={s.id}>
                  <td>{s.id}</td>
                  <td>{s.agent ?? s.kind}</td>
                  <td>{s.needs.join(', ') || '—'}</td>
                  <td className="num">{formatDuration(s.estimateMs)}</td>
                  <td className="num">{s.costUsd === null ? 'unknown' : formatUsd(s.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {p.problems.length ? (
        <ul aria-label="Problems">
          {p.problems.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <span className="mono">{issue.path || '(answer)'}</span>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
      {p.error ? <p className="error">{p.error}</p> : null}
      {open ? (
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={busy || p.status !== 'proposed'}
            onClick={() => decide('approve')}
          >
            Approve and run
          </button>
          <button type="button" disabled={busy} onClick={() => decide('reject')}>
            Reject
          </button>
        </div>
      ) : null}
      <ErrorNote error={error} />
    </article>
  );
}
