import { formatDuration } from '../format';
import { loopMarks } from '../loop-layout';
import type { Attempt, Run, Step } from '../types';

interface Bar {
  step: Step;
  attempt: Attempt | null;
  from: number;
  queuedFrom: number;
  to: number;
  status: string;
}

/** Each step's attempts as bars on one time axis; a step without attempts (approval, sleep) as its own span. */
function barsOf(run: Run, now: number): Bar[] {
  return run.steps.flatMap((step): Bar[] => {
    if (step.history.length === 0) {
      if (!step.startedAt) return [];
      const from = Date.parse(step.startedAt);
      return [
        {
          step,
          attempt: null,
          from,
          queuedFrom: from,
          to: step.endedAt ? Date.parse(step.endedAt) : now,
          status: step.status,
        },
      ];
    }
    return step.history
      .map((attempt) => {
        const queuedFrom = Date.parse(attempt.dispatchedAt ?? attempt.startedAt ?? step.startedAt ?? '');
        const from = attempt.startedAt ? Date.parse(attempt.startedAt) : queuedFrom;
        return {
          step,
          attempt,
          queuedFrom,
          from,
          to: attempt.endedAt ? Date.parse(attempt.endedAt) : now,
          status: attempt.status,
        };
      })
      .filter((b) => Number.isFinite(b.queuedFrom));
  });
}

/** Nesting depth of a step (children of parallel, switch and foreach blocks are indented). */
function depthOf(run: Run, step: Step): number {
  let depth = 0;
  for (let parent = step.parent; parent; parent = run.steps.find((s) => s.id === parent)?.parent) depth++;
  return depth;
}

/** The turns and tool calls of an agent step's current attempt, drawn inside that attempt's bar. */
function LoopMarks({ bar, now }: { bar: Bar; now: number }) {
  return loopMarks(bar.step.turns ?? [], bar.queuedFrom, bar.to, now).map((m) => (
    <span
      key={m.key}
      role="img"
      aria-label={m.label}
      title={m.label}
      className={`mark mark-${m.kind} mark-${m.status}`}
      style={{
        left: `${m.left.toFixed(3)}%`,
        width: `${m.width.toFixed(3)}%`,
        ...(m.kind === 'tool' ? { top: `${13 + m.lane * 5}px` } : {}),
      }}
    />
  ));
}

/** Whether a bar is the one of the step's current attempt (its turns are that attempt's). */
const isCurrent = (b: Bar) => !b.attempt || b.attempt.attempt === b.step.history.at(-1)?.attempt;

/**
 * A Gantt chart of a run's step attempts: one row per step, retries side by side in their row,
 * parallel branches stacked in their own rows; the pale part of a bar is time spent queued. An
 * agent step that looped shows its model turns (top strip) and tool calls (thin bars below, parallel
 * calls stacked) inside the bar of its current attempt.
 */
export function Timeline({
  run,
  selected,
  onSelect,
}: {
  run: Run;
  selected: string | null;
  onSelect: (stepId: string) => void;
}) {
  const now = Date.now();
  const bars = barsOf(run, now);
  const start = Math.min(...bars.map((b) => b.queuedFrom), run.startedAt ? Date.parse(run.startedAt) : Infinity);
  const end = Math.max(...bars.map((b) => b.to), run.endedAt ? Date.parse(run.endedAt) : 0, start + 1);
  const span = end - start;
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${((Math.max(b - a, span / 400) / span) * 100).toFixed(3)}%`;
  return (
    <figure className="timeline" aria-label="Run timeline">
      <figcaption className="timeline-axis">
        <span>0</span>
        <span>{formatDuration(span / 2)}</span>
        <span>{formatDuration(span)}</span>
      </figcaption>
      <ol>
        {run.steps.map((step) => (
          <li key={step.id} className={step.id === selected ? 'selected' : undefined}>
            <button
              type="button"
              className="timeline-label"
              style={{ paddingLeft: `${0.5 + depthOf(run, step)}rem` }}
              onClick={() => onSelect(step.id)}
              aria-pressed={step.id === selected}
            >
              {step.id}
            </button>
            <div className={`timeline-track${step.turns?.length ? ' loop' : ''}`}>
              {bars
                .filter((b) => b.step === step)
                .map((b, i) => (
                  <span
                    key={i}
                    className={`bar bar-${b.status}`}
                    style={{ left: pct(b.queuedFrom), width: width(b.queuedFrom, b.to) }}
                    title={`${step.id}${b.attempt ? ` attempt ${b.attempt.attempt}` : ''}: ${b.status}, ${formatDuration(b.to - b.from)}${b.from > b.queuedFrom ? ` (queued ${formatDuration(b.from - b.queuedFrom)})` : ''}`}
                  >
                    <span
                      className="queued"
                      style={{ width: `${((b.from - b.queuedFrom) / Math.max(b.to - b.queuedFrom, 1)) * 100}%` }}
                    />
                    {b.attempt && step.history.length > 1 ? (
                      <span className="attempt-no">{b.attempt.attempt}</span>
                    ) : null}
                    {(step.turns?.length ?? 0) > 0 && isCurrent(b) ? <LoopMarks bar={b} now={now} /> : null}
                  </span>
                ))}
            </div>
          </li>
        ))}
      </ol>
    </figure>
  );
}
