import { useState } from 'react';
import { Link } from 'wouter';
import { api, type ApiError } from '../api';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { formatTime } from '../format';
import { useApi } from '../hooks';
import type { AlertEventList, AlertRule } from '../types';

const EXAMPLE = `{
  "type": "run_failed",
  "workflow": "competitor-analysis",
  "streak": 2,
  "cooldown": "1h",
  "notify": { "email": ["ops@example.com"] }
}`;

/** What a rule watches, in a few words. */
function watches(rule: AlertRule['rule']): string {
  const of = (rule.workflow as string | undefined) ?? (rule.agent as string | undefined) ?? 'every one';
  switch (rule.type) {
    case 'run_failed':
      return `${of}: ${rule.streak === 1 ? 'a run fails' : `${rule.streak} runs in a row fail`}`;
    case 'run_stuck':
      return `${of}: no progress for ${rule.after}`;
    case 'cost_over':
      return `${of}: ${[rule.usd !== undefined && `$${rule.usd} a run`, rule.usd_per_day !== undefined && `$${rule.usd_per_day} a day`].filter(Boolean).join(', ')}`;
    case 'circuit_open':
      return `agent ${of}: circuit opens`;
    default:
      return `${of}: score drops${rule.below !== undefined ? ` or falls below ${rule.below}` : ''}`;
  }
}

function notifies(rule: AlertRule['rule']): string {
  const notify = rule.notify as { email?: string[]; webhook?: { url: string } } | undefined;
  const to = [...(notify?.email ?? ['the owners']), ...(notify?.webhook ? [notify.webhook.url] : [])];
  return to.join(', ');
}

/** Alert rules (with a JSON editor) and every alert that fired. */
export function AlertsPage() {
  const rules = useApi<AlertRule[]>('/alerts');
  const fired = useApi<AlertEventList>('/alerts/events?limit=100');
  const [name, setName] = useState('');
  const [body, setBody] = useState(EXAMPLE);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const save = async () => {
    setError(null);
    try {
      await api(`/alerts/${encodeURIComponent(name.trim())}`, { method: 'PUT', json: JSON.parse(body) });
      rules.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const remove = async (rule: string) => {
    await api(`/alerts/${encodeURIComponent(rule)}`, { method: 'DELETE' }).catch((err) => setError(err as ApiError));
    rules.reload();
  };
  return (
    <>
      <PageHeader title="Alerts" />
      <section aria-label="Rules">
        <h2>Rules</h2>
        <ErrorNote error={rules.error} />
        {!rules.data && !rules.error && <Loading />}
        {rules.data?.length === 0 && <p className="muted">No alert rules yet.</p>}
        {!!rules.data?.length && (
          <table aria-label="Alert rules">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Fires when</th>
                <th>Notifies</th>
                <th>Cooldown</th>
                <th>Last notified</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rules.data.map((r) => (
                <tr key={r.name}>
                  <td className="mono">{r.name}</td>
                  <td>
                    {String(r.rule.type)}
                    {r.rule.enabled === false && <span className="muted"> (off)</span>}
                  </td>
                  <td>{watches(r.rule)}</td>
                  <td>{notifies(r.rule)}</td>
                  <td>{String(r.rule.cooldown)}</td>
                  <td>{r.lastNotifiedAt ? formatTime(r.lastNotifiedAt) : '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => remove(r.name)}
                      aria-label={`Delete ${r.name}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form
          aria-label="Save a rule"
          className="rule-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label>
            Rule name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
          </label>
          <label>
            Rule (JSON)
            <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={8} className="mono" />
          </label>
          <button type="submit">Save rule</button>
          <ErrorNote error={error} />
        </form>
      </section>
      <section aria-label="Alerts fired">
        <h2>Alerts fired</h2>
        <ErrorNote error={fired.error} />
        {fired.data?.events.length === 0 && <p className="muted">No alert has fired.</p>}
        {!!fired.data?.events.length && (
          <table aria-label="Alerts">
            <thead>
              <tr>
                <th>When</th>
                <th>Rule</th>
                <th>What happened</th>
                <th>Run</th>
                <th>Sent</th>
              </tr>
            </thead>
            <tbody>
              {fired.data.events.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.firedAt)}</td>
                  <td className="mono">
                    {e.rule} <span className="muted">{e.type}</span>
                  </td>
                  <td>{e.message}</td>
                  <td>{e.runId ? <Link href={`/runs/${encodeURIComponent(e.runId)}`}>{e.runId}</Link> : '—'}</td>
                  <td>
                    {e.notified
                      ? e.deliveries.map((d) => `${d.channel} ${d.to}: ${d.status}`).join('; ') || 'nobody to notify'
                      : 'within cooldown'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
