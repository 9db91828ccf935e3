import type { Run } from '../types';

/** A completed run's evaluation: its score and grade, and each scorer's verdict with its reasons. */
export function RunEvaluation({ evaluation }: { evaluation: NonNullable<Run['evaluation']> }) {
  return (
    <section aria-label="Evaluation">
      <h2>
        Evaluation{' '}
        <span className="muted">
          {evaluation.score === null ? 'no score' : `${evaluation.score.toFixed(1)} · ${evaluation.grade}`}
          {!evaluation.complete && ' · judges still scoring'}
        </span>
      </h2>
      <table aria-label="Scores">
        <thead>
          <tr>
            <th>Scorer</th>
            <th>Score</th>
            <th>Reasons</th>
          </tr>
        </thead>
        <tbody>
          {evaluation.scores.map((s) => (
            <tr key={s.scorer}>
              <td className="mono">{s.scorer}</td>
              <td>{s.score === null ? '—' : s.score}</td>
              <td>{s.error ? <span className="error">{s.error}</span> : s.reasons}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
