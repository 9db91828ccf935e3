import { Link } from 'wouter';
import { asText, clipText, isLong, previewLine } from '../clip';
import { elapsed, formatCost, formatDuration, formatTime, formatTokens, shortId } from '../format';
import type { Step, StepError, ToolCallApproval, ToolCallView, TurnView } from '../types';
import { stepUsage } from '../usage';
import { Status } from './Status';

// Everything here comes from models and tools: shown as text (React escapes it), never as HTML.

/**
 * The transcript of an agent step that looped: per model turn its model, tokens, cost and text;
 * per tool call its arguments, status, output or error, duration, approval and child run.
 * Nothing for a step without turns.
 */
export function Transcript({ step }: { step: Step }) {
  const turns = step.turns ?? [];
  if (!turns.length) return null;
  const usage = stepUsage(step);
  const calls = turns.reduce((n, t) => n + t.toolCalls.length, 0);
  return (
    <section className="transcript" aria-label={`Transcript of step ${step.id}`}>
      <h3>Transcript</h3>
      <p className="muted">
        {plural(turns.length, 'model turn')}, {plural(calls, 'tool call')} · {formatTokens(usage)} tokens ·{' '}
        {formatCost(usage?.costUsd)}
      </p>
      <ol className="turns">
        {turns.map((turn, i) => (
          <li key={i}>
            <TurnEntry turn={turn} />
          </li>
        ))}
      </ol>
    </section>
  );
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function TurnEntry({ turn }: { turn: TurnView }) {
  const name = `${turn.repairOf ? 'Repair turn' : 'Turn'} ${turn.turn}`;
  return (
    <article className={`turn${turn.repairOf ? ' repair' : ''}`} aria-label={name}>
      <header>
        <h4>{name}</h4> <Status value={turn.status} />
        {turn.answered && <span className="badge badge-answer">answer</span>}
      </header>
      <dl className="facts">
        <dt>Model</dt>
        <dd>
          {turn.model ?? '—'}
          {turn.provider ? ` (${turn.provider})` : ''}
        </dd>
        <dt>Tokens</dt>
        <dd>{formatTokens(turn.usage)}</dd>
        <dt>Cost</dt>
        <dd>{formatCost(turn.usage?.costUsd)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(elapsed(turn.startedAt, turn.endedAt))}</dd>
        <dt>Tries</dt>
        <dd>{turn.tries}</dd>
      </dl>
      {turn.repairOf && <Issues title="Asked to fix these output-schema issues" issues={turn.repairOf} />}
      {turn.text && <TextBlock label="Assistant" text={turn.text} />}
      {turn.invalid && <Issues title="The answer did not match the output schema" issues={turn.invalid} />}
      <ErrorLine error={turn.error} />
      {turn.toolCalls.length > 0 && (
        <ol className="tool-calls">
          {turn.toolCalls.map((call, i) => (
            <li key={i}>
              <ToolCallEntry call={call} />
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

function ToolCallEntry({ call }: { call: ToolCallView }) {
  return (
    <article className={`tool-call tool-${call.status}`} aria-label={`Tool call ${call.tool}`}>
      <header>
        <h5 className="mono">{call.tool}</h5> <span className="kind">{call.kind}</span> <Status value={call.status} />{' '}
        <span className="muted">
          {formatDuration(elapsed(call.startedAt, call.endedAt))}
          {call.tries > 1 ? `, ${call.tries} tries` : ''}
          {call.usage ? ` · ${formatTokens(call.usage)} tokens · ${formatCost(call.usage.costUsd)}` : ''}
        </span>
      </header>
      <TextBlock label="Arguments" text={asText(call.arguments)} />
      {call.approval && <ApprovalNote approval={call.approval} />}
      {call.output !== null && call.output !== undefined && <TextBlock label="Output" text={asText(call.output)} />}
      <ErrorLine error={call.error} />
      {call.childRunId && (
        <p>
          <Link href={`/runs/${encodeURIComponent(call.childRunId)}`}>
            Child run <span className="mono">{shortId(call.childRunId)}</span>
          </Link>
        </p>
      )}
    </article>
  );
}

function ApprovalNote({ approval }: { approval: ToolCallApproval }) {
  return (
    <div className="approval-note">
      {approval.status === 'pending' ? (
        <p>
          <Status value="waiting" /> for approval by {approval.assignees.join(', ') || '—'}
        </p>
      ) : (
        <p>
          <Status value={approval.status} /> by {approval.decidedBy ?? 'someone unknown'}
          {approval.decidedAt ? ` on ${formatTime(approval.decidedAt)}` : ''}
          {approval.comment ? (
            <>
              : <q>{approval.comment}</q>
            </>
          ) : null}
        </p>
      )}
      {approval.message && <TextBlock label="Approval message" text={approval.message} />}
    </div>
  );
}

function Issues({ title, issues }: { title: string; issues: { path: string; message: string }[] }) {
  return (
    <div className="issues">
      <p>{title}:</p>
      <ul>
        {issues.map((issue, i) => (
          <li key={i}>
            <code>{issue.path || '(root)'}</code>: {issue.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ErrorLine({ error }: { error: StepError | null }) {
  if (!error) return null;
  return (
    <p className="error">
      {error.code}: {error.message}
    </p>
  );
}

/** A labelled text: shown whole when short, collapsed under a one-line preview when long, cut when huge. */
function TextBlock({ label, text }: { label: string; text: string }) {
  const shown = clipText(text);
  const long = isLong(text);
  // A long text scrolls in its box: focusable, so the keyboard can scroll it (WCAG 2.1.1).
  const body = (
    <pre tabIndex={long ? 0 : undefined}>
      {shown.text}
      {shown.cut ? `\n… ${shown.cut} more characters not shown` : ''}
    </pre>
  );
  return (
    <figure className="pre text-block" aria-label={label}>
      {long ? (
        <details>
          <summary>
            <strong>{label}</strong>{' '}
            <span className="muted">
              {previewLine(text)} ({text.length} characters)
            </span>
          </summary>
          {body}
        </details>
      ) : (
        <>
          <figcaption>{label}</figcaption>
          {body}
        </>
      )}
    </figure>
  );
}
