import { useState } from 'react';
import { api, type ApiError } from '../api';
import { useApi } from '../hooks';
import { formatTime } from '../format';
import type { Feedback } from '../types';
import { ErrorNote } from './ui';

/** People's judgement of an ended run: its feedback so far, and 👍 / 👎 with a comment (POST /api/runs/:id/feedback). */
export function RunFeedback({ runId }: { runId: string }) {
  const path = `/runs/${encodeURIComponent(runId)}/feedback`;
  const list = useApi<Feedback[]>(path);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const rate = async (rating: 'up' | 'down') => {
    setError(null);
    try {
      await api(path, { method: 'POST', json: { rating, ...(comment.trim() ? { comment: comment.trim() } : {}) } });
      setComment('');
      list.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const up = list.data?.filter((f) => f.rating === 'up').length ?? 0;
  const down = (list.data?.length ?? 0) - up;
  return (
    <section aria-label="Feedback">
      <h2>
        Feedback{' '}
        <span className="muted">
          👍 {up} · 👎 {down}
        </span>
      </h2>
      <div className="filters">
        <label>
          Comment <input value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
        </label>
        <button type="button" onClick={() => rate('up')} aria-label="Thumbs up">
          👍
        </button>
        <button type="button" onClick={() => rate('down')} aria-label="Thumbs down">
          👎
        </button>
      </div>
      <ErrorNote error={error ?? list.error} />
      <ul aria-label="Feedback given">
        {list.data?.map((f) => (
          <li key={f.id}>
            {f.rating === 'up' ? '👍' : '👎'} {f.comment ? `“${f.comment}” ` : ''}
            <span className="muted">
              {f.by} · {f.source} · {formatTime(f.createdAt)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
