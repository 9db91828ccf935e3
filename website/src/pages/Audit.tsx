import { useState } from 'react';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { formatTime } from '../format';
import { useApi } from '../hooks';
import type { AuditLogEntry } from '../types';

/** Where an entry came from: the IP and user agent of an API call, or the Message-ID of an email. */
function origin(details: AuditLogEntry['details']): string {
  if (!details) return '';
  const parts = [details.ip, details.userAgent, details.messageId].filter((v) => typeof v === 'string' && v);
  return parts.join(' · ');
}

/** The tenant's audit log (admins): who changed or decided what, filterable by object and actor. */
export function AuditPage() {
  const [object, setObject] = useState('');
  const [actor, setActor] = useState('');
  const query = new URLSearchParams({ limit: '200' });
  if (object.trim()) query.set('object', object.trim());
  if (actor.trim()) query.set('actor', actor.trim());
  const list = useApi<AuditLogEntry[]>(`/audit?${query}`);
  return (
    <>
      <PageHeader title="Audit log" />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter the audit log">
        <label>
          Object <input value={object} onChange={(e) => setObject(e.target.value)} placeholder="run id, workflow…" />
        </label>
        <label>
          Actor <input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="key:ci, lead@…" />
        </label>
      </form>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      <table aria-label="Audit log">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Object</th>
            <th>Version</th>
            <th>From</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((e) => (
            <tr key={e.id}>
              <td>{formatTime(e.at)}</td>
              <td className="mono">{e.actor}</td>
              <td className="mono">{e.action}</td>
              <td className="mono">{e.object}</td>
              <td>{typeof e.details?.version === 'number' ? e.details.version : ''}</td>
              <td className="muted">{origin(e.details)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
