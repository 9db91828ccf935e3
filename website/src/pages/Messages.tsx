import { useState } from 'react';
import { Link } from 'wouter';
import { ErrorNote, Loading, PageHeader, Status } from '../components/ui';
import { formatTime, shortId } from '../format';
import { useApi } from '../hooks';
import type { MessageList } from '../types';
import { MESSAGE_STATUSES as STATUSES } from '../../../src/schemas/enum-values';

/** The email log: every message in and out, newest first, with its status and reason. */
export function MessagesPage() {
  const [direction, setDirection] = useState('');
  const [status, setStatus] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const query = new URLSearchParams({
    ...(direction && { direction }),
    ...(status && { status }),
    ...(cursor && { cursor }),
  }).toString();
  const list = useApi<MessageList>(`/messages?${query}`);
  return (
    <>
      <PageHeader title="Messages" />
      <fieldset className="filters" aria-label="Filters">
        <label>
          Direction{' '}
          <select
            value={direction}
            onChange={(e) => {
              setCursor(null);
              setDirection(e.target.value);
            }}
          >
            <option value="">all</option>
            <option>inbound</option>
            <option>outbound</option>
          </select>
        </label>
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              setCursor(null);
              setStatus(e.target.value);
            }}
          >
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </fieldset>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading />}
      <table aria-label="Messages">
        <thead>
          <tr>
            <th>Date</th>
            <th>Direction</th>
            <th>Status</th>
            <th>From</th>
            <th>To</th>
            <th>Subject</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.messages.map((m) => (
            <tr key={m.id}>
              <td>{formatTime(m.date ?? m.recordedAt)}</td>
              <td>{m.direction}</td>
              <td>
                <Status value={m.status} />
                {m.reason ? <div className="muted">{m.reason}</div> : null}
              </td>
              <td>{m.from}</td>
              <td>{m.to}</td>
              <td>{m.subject}</td>
              <td>
                {m.runId ? (
                  <Link href={`/runs/${encodeURIComponent(m.runId)}`} className="mono">
                    {shortId(m.runId)}
                  </Link>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        {cursor && (
          <button type="button" onClick={() => setCursor(null)}>
            Newest
          </button>
        )}
        {list.data?.nextCursor && (
          <button type="button" onClick={() => setCursor(list.data!.nextCursor)}>
            Older
          </button>
        )}
      </div>
    </>
  );
}
