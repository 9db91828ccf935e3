import { useState } from 'react';
import { Link } from 'wouter';
import { api, type ApiError } from '../api';
import { Timeline } from '../components/Timeline';
import { Transcript } from '../components/Transcript';
import { BudgetPause } from '../components/BudgetPause';
import { RunFeedback } from '../components/RunFeedback';
import { RunEvaluation } from '../components/RunEvaluation';
import { ErrorNote, Loading, Markdown, PageHeader, Pre, Status } from '../components/ui';
import { elapsed, formatCost, formatDuration, formatTime, formatTokens, shortId, show } from '../format';
import { useApi, useRunNotices } from '../hooks';
import { stepProgress } from '../../../src/core/engine/progress';
import { isEndedRunStatus } from '../../../src/schemas/enum-values';
import type { MessageDetail, Run, Step } from '../types';
import { runUsage, stepUsage } from '../usage';

/** One run: controls, the timeline, the selected step's detail, and its emails; kept live by the RunObject's notices. */
export function RunDetailPage({ id }: { id: string }) {
  const run = useApi<Run>(`/runs/${encodeURIComponent(id)}`);
  const messages = useApi<MessageDetail[]>(`/runs/${encodeURIComponent(id)}/messages`);
  const [chosen, setChosen] = useState<string | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const data = run.data;
  const live = useRunNotices(id, !!data && !isEndedRunStatus(data.status), (status) => {
    run.reload();
    if (status !== data?.status) messages.reload();
  });
  if (!data) return run.error ? <ErrorNote error={run.error} /> : <Loading />;
  const selected =
    data.steps.find((s) => s.id === chosen) ?? data.steps.find((s) => s.status === 'failed') ?? data.steps.at(-1);
  const act = async (action: 'pause' | 'resume' | 'cancel' | 'restart') => {
    if (action === 'cancel' && !confirm('Cancel this run? Running steps are abandoned.')) return;
    setActionError(null);
    try {
      await api(`/runs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
      run.reload();
    } catch (err) {
      setActionError(err as ApiError);
    }
  };
  const ended = isEndedRunStatus(data.status);
  const usage = runUsage(data);
  const progress = stepProgress(data.steps);
  return (
    <>
      <PageHeader
        title={
          <>
            Run <span className="mono">{shortId(data.id)}</span> <Status value={data.status} />
            {data.queuedFor && (
              <span className="muted">
                {' '}
                waits for {data.queuedFor}
                {data.queuePosition ? ` (#${data.queuePosition})` : ''}
              </span>
            )}
          </>
        }
      >
        {!ended && (
          <span className={`live ${live ? 'on' : ''}`} role="status">
            {live ? 'Live' : 'Connecting…'}
          </span>
        )}
        <button type="button" onClick={() => act('pause')} disabled={ended || data.status === 'paused'}>
          Pause
        </button>
        <button type="button" onClick={() => act('resume')} disabled={data.status !== 'paused'}>
          Resume
        </button>
        <button type="button" onClick={() => act('cancel')} disabled={ended}>
          Cancel
        </button>
        <button
          type="button"
          onClick={() => act('restart')}
          disabled={data.status !== 'failed' && data.status !== 'cancelled'}
        >
          Restart from failed step
        </button>
      </PageHeader>
      <ErrorNote error={actionError} />
      <dl className="facts">
        <dt>Workflow</dt>
        <dd>
          <Link href={`/workflows/${encodeURIComponent(data.workflow)}`}>{data.workflow}</Link> v{data.version}
        </dd>
        <dt>Trigger</dt>
        <dd>{data.trigger.type}</dd>
        <dt>Started</dt>
        <dd>{formatTime(data.startedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(data.startedAt, data.endedAt))}</dd>
        <dt>Steps</dt>
        <dd>
          {progress.done} / {progress.total} done
        </dd>
        <dt>Tokens</dt>
        <dd>{formatTokens(usage)}</dd>
        <dt>Cost</dt>
        <dd>{formatCost(usage?.costUsd)}</dd>
        {data.id && (
          <>
            <dt>Run id</dt>
            <dd className="mono">{data.id}</dd>
          </>
        )}
      </dl>
      {data.error && (
        <p role="alert" className="error">
          Failed at <strong>{data.error.stepId}</strong>: {data.error.message} ({data.error.code})
        </p>
      )}
      {/* Budget pause (issue 17): its own block */}
      <BudgetPause run={data} onDecided={run.reload} />
      <Timeline run={data} selected={selected?.id ?? null} onSelect={setChosen} />
      {selected && <StepDetail step={selected} />}
      {data.output !== null && data.output !== undefined && (
        <section aria-label="Run output">
          <h2>Output</h2>
          {typeof data.output === 'string' ? (
            <Markdown text={data.output} label="Run output text" />
          ) : (
            <Pre label="Run output JSON">{show(data.output)}</Pre>
          )}
        </section>
      )}
      {data.evaluation && <RunEvaluation evaluation={data.evaluation} />}
      {ended && <RunFeedback runId={data.id} />}
      <Emails messages={messages.data} />
    </>
  );
}

function StepDetail({ step }: { step: Step }) {
  const usage = stepUsage(step);
  return (
    <section className="step-detail" aria-label={`Step ${step.id}`}>
      <h2>
        Step {step.id} <Status value={step.status} />
      </h2>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{step.agent ? `agent ${step.agent}` : step.kind}</dd>
        <dt>Attempts</dt>
        <dd>{step.attempts}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(step.startedAt, step.endedAt))}</dd>
        <dt>Tokens</dt>
        <dd>{formatTokens(usage)}</dd>
        <dt>Cost</dt>
        <dd>{formatCost(usage?.costUsd)}</dd>
      </dl>
      {step.skipReason && <p className="muted">Skipped: {step.skipReason}</p>}
      {step.error && (
        <p role="alert" className="error">
          {step.error.code}: {step.error.message}
        </p>
      )}
      <div className="two-columns">
        <Pre label="Input">{show(step.input)}</Pre>
        <figure className="pre">
          <figcaption>Output</figcaption>
          {typeof step.output === 'string' ? (
            <Markdown text={step.output} label="Step output" />
          ) : (
            <Pre label="Step output">{show(step.output)}</Pre>
          )}
        </figure>
      </div>
      {step.history.length > 0 && (
        <table aria-label="Attempts">
          <thead>
            <tr>
              <th>Attempt</th>
              <th>Status</th>
              <th>Queued</th>
              <th>Duration</th>
              <th>Tokens</th>
              <th>Cost</th>
              <th>Agent</th>
              <th>Provider</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {step.history.map((a) => (
              <tr key={a.attempt}>
                <td>{a.attempt}</td>
                <td>
                  <Status value={a.status} />
                </td>
                <td>{formatDuration(elapsed(a.dispatchedAt, a.startedAt))}</td>
                <td>{formatDuration(elapsed(a.startedAt, a.endedAt))}</td>
                <td>{formatTokens(a.usage)}</td>
                <td>{formatCost(a.usage?.costUsd)}</td>
                <td>
                  {a.agent ?? '—'}
                  {a.selection && (
                    <small className="muted" title={`candidates: ${a.selection.candidates.join(', ')}`}>
                      {' '}
                      — chosen: {a.selection.reason}
                    </small>
                  )}
                </td>
                <td>{a.provider ?? '—'}</td>
                <td>{a.error ? `${a.error.code}: ${a.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Transcript step={step} />
    </section>
  );
}

function Emails({ messages }: { messages: MessageDetail[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <section aria-label="Emails">
      <h2>Emails</h2>
      <table aria-label="Emails of this run">
        <thead>
          <tr>
            <th>Direction</th>
            <th>Status</th>
            <th>From</th>
            <th>To</th>
            <th>Subject</th>
            <th>Date</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.id}>
              <td>{m.direction}</td>
              <td>
                <Status value={m.status} />
              </td>
              <td>{m.from}</td>
              <td>{m.to}</td>
              <td>
                <details>
                  <summary>{m.subject || '(no subject)'}</summary>
                  <pre className="raw">{m.raw}</pre>
                </details>
              </td>
              <td>{formatTime(m.date ?? m.recordedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
