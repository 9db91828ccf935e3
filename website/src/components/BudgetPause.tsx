import { useState } from 'react';
import { Link } from 'wouter';
import { api, type ApiError } from '../api';
import { ErrorNote } from './ui';
import { formatCost } from '../format';
import type { Run } from '../types';

/** A run paused for its budget: spend against the limit, the step that waits, and its approval (approve or reject here, or from the inbox). */
export function BudgetPause({ run, onDecided }: { run: Run; onDecided: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = run.budgetWait;
  if (run.pausedFor !== 'budget' || !wait) return null;
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await api(`/approvals/${encodeURIComponent(wait.approvalId)}`, { method: 'POST', json: { decision } });
      onDecided();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const limit = wait.scope === 'run' ? 'its budget' : "the workflow's daily budget (UTC)";
  return (
    <section className="card" aria-label="Budget pause">
      <p role="status">
        Paused for budget: spent <strong>{formatCost(wait.spentUsd)}</strong> of {limit} of{' '}
        <strong>{formatCost(wait.limitUsd)}</strong>; step <strong>{wait.stepId}</strong> waits for the owners' approval
        (<Link href="/approvals">inbox</Link>, <span className="mono">{wait.approvalId}</span>).
      </p>
      <button type="button" disabled={busy} onClick={() => decide('approve')}>
        Approve one more budget
      </button>{' '}
      <button type="button" disabled={busy} onClick={() => decide('reject')}>
        Reject (fail the run)
      </button>
      <ErrorNote error={error} />
    </section>
  );
}
