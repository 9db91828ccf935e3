import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api, type ApiError } from '../api';
import { ErrorNote, Loading, Markdown, PageHeader, Status } from '../components/ui';
import { formatTime, shortId } from '../format';
import { useApi } from '../hooks';
import type { Approval } from '../types';

const LABELS: Record<string, string> = { approve: 'Approve', reject: 'Reject', request_changes: 'Request changes' };
const PAST: Record<string, string> = {
  approved: 'approved',
  rejected: 'rejected',
  changes_requested: 'changes requested',
  cancelled: 'cancelled',
};

/** The approvals inbox: pending requests to decide, with their context; decided ones with who and when. */
export function ApprovalsPage() {
  const [tab, setTab] = useState<'pending' | 'decided'>('pending');
  const list = useApi<Approval[]>('/approvals?limit=200');
  // New requests show up without a reload: read again every 10 s and when the tab is back in view.
  const { reload } = list;
  useEffect(() => {
    const timer = setInterval(reload, 10_000);
    const onVisible = () => document.visibilityState === 'visible' && reload();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [reload]);
  const shown = list.data?.filter((a) => (tab === 'pending') === (a.status === 'pending'));
  return (
    <>
      <PageHeader title="Approvals">
        <div role="tablist" aria-label="Approvals">
          {(['pending', 'decided'] as const).map((t) => (
            <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setTab(t)}>
              {t === 'pending'
                ? `Pending (${list.data?.filter((a) => a.status === 'pending').length ?? 0})`
                : 'Decided'}
            </button>
          ))}
        </div>
      </PageHeader>
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading />}
      {shown?.length === 0 && (
        <p className="muted">{tab === 'pending' ? 'Nothing waits for a decision.' : 'No decisions yet.'}</p>
      )}
      <div role="tabpanel" aria-label={tab === 'pending' ? 'Pending approvals' : 'Decided approvals'}>
        <ul className="cards">
          {shown?.map((a) => (
            <li key={a.id}>
              <ApprovalCard approval={a} onDecided={list.reload} />
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}

function ApprovalCard({ approval: a, onDecided }: { approval: Approval; onDecided: () => void }) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = async (decision: string) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/approvals/${encodeURIComponent(a.id)}`, {
        method: 'POST',
        json: { decision, ...(comment.trim() ? { comment: comment.trim() } : {}) },
      });
      onDecided();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const commentId = `comment-${a.id}`;
  return (
    <article className="card" aria-label={`Approval ${a.stepId} of ${a.workflow}`}>
      <header>
        <strong>{a.workflow}</strong> · step <strong>{a.stepId}</strong>
        {a.round > 1 ? ` · round ${a.round}` : ''} · run{' '}
        <Link href={`/runs/${encodeURIComponent(a.runId)}`} className="mono">
          {shortId(a.runId)}
        </Link>{' '}
        <Status value={a.status} />
      </header>
      <Markdown text={a.message} label="Approval message" />
      <p className="muted">
        Asked {formatTime(a.createdAt)} of {a.assignees.join(', ')}
        {a.quorum > 1 ? ` (quorum ${a.quorum})` : ''}
        {a.deadline ? ` · deadline ${formatTime(a.deadline)}` : ''}
      </p>
      {a.status === 'pending' ? (
        <>
          <label htmlFor={commentId}>Comment</label>
          <textarea
            id={commentId}
            rows={2}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="Optional; the steps that run again read it"
          />
          <div className="actions">
            {a.options.map((option) => (
              <button
                key={option}
                type="button"
                className={option === 'approve' ? 'primary' : undefined}
                disabled={busy}
                onClick={() => decide(option)}
              >
                {LABELS[option] ?? option}
              </button>
            ))}
          </div>
          <ErrorNote error={error} />
        </>
      ) : (
        <p className="decided">
          {PAST[a.status] ?? a.status} by {a.decidedBy ?? 'unknown'} on {formatTime(a.decidedAt)}
          {a.comment ? <>: “{a.comment}”</> : null}
        </p>
      )}
    </article>
  );
}
