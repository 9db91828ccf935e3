import { Link } from 'wouter';
import { ErrorNote, Loading, PageHeader } from '../components/ui';
import { formatTime } from '../format';
import { useApi } from '../hooks';
import type { Schedule } from '../types';

/** Every schedule trigger with its next fire times. */
export function SchedulesPage() {
  const list = useApi<Schedule[]>('/schedules?next=3');
  return (
    <>
      <PageHeader title="Schedules" />
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading />}
      {list.data?.length === 0 && <p className="muted">No workflow has a schedule trigger.</p>}
      <table aria-label="Schedules">
        <thead>
          <tr>
            <th>Workflow</th>
            <th>Cron</th>
            <th>Time zone</th>
            <th>Next fire times</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((s) => (
            <tr key={`${s.workflow}:${s.trigger}`}>
              <td>
                <Link href={`/workflows/${encodeURIComponent(s.workflow)}`}>{s.workflow}</Link>
              </td>
              <td className="mono">{s.cron}</td>
              <td>{s.timezone ?? 'UTC'}</td>
              <td>
                {s.next.length ? s.next.map(formatTime).join(' · ') : <span className="error">invalid cron</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
