import { checkAnswer } from '../lib/structured-output';
import { WorkflowDefinition } from '../schemas/definition';
import type { Scorer } from '../schemas/evaluate';
import { conditionSource, render, toText, type ExpressionClock } from './expressions';
import type { RunState } from './engine/index';
import { runUsage } from './engine/usage';

/**
 * Evaluations (issue 20): a workflow's `evaluate:` scorers grade each completed run 0–100. The
 * expression and schema scorers are computed here; a judge scorer is an agent run of
 * {@link judgeDefinition} whose structured answer is the score.
 */

/** One scorer's verdict on a run: a score 0–100 and why, or why there is none. */
export type ScoreResult = { score: number; reasons: string } | { error: string };

/** A run's grade from its score: excellent ≥ 90, good ≥ 75, fair ≥ 50, else poor. */
export type Grade = 'excellent' | 'good' | 'fair' | 'poor';
export function gradeOf(score: number): Grade {
  if (score >= 90) return 'excellent';
  if (score >= 75) return 'good';
  if (score >= 50) return 'fair';
  return 'poor';
}

/** The mean of the scores that were given (errors left out), or null when none was. */
export function meanScore(results: readonly ScoreResult[]): number | null {
  const scores = results.flatMap((r) => ('score' in r ? [r.score] : []));
  return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
}

/** What a scorer's expression reads: the run's output, its steps, inputs, a summary, its feedback so far. */
export function evaluationContext(
  state: RunState,
  feedback: { up: number; down: number },
  now: number,
): Record<string, unknown> {
  const steps = Object.fromEntries(
    Object.entries(state.steps).map(([key, s]) => [key, { status: s.status, output: s.output ?? null }]),
  );
  const usage = runUsage(state);
  return {
    output: state.output ?? null,
    steps,
    inputs: state.inputs,
    vars: state.definition.vars ?? {},
    trigger: state.trigger,
    run: {
      id: state.runId,
      workflow: state.workflow,
      status: state.status,
      durationMs: (state.endedAt ?? now) - (state.startedAt ?? state.createdAt),
      costUsd: usage?.costUsd ?? 0,
    },
    feedback,
  };
}

/** A score from an expression's value: a number in 0–100, or a boolean (100 / 0). */
function scoreOfValue(value: unknown): ScoreResult {
  if (typeof value === 'boolean') return { score: value ? 100 : 0, reasons: `the expression is ${value}` };
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100)
    return { score: value, reasons: `the expression gives ${value}` };
  return { error: `the expression gave ${toText(value).slice(0, 200) || 'nothing'}, not a number 0–100 or a boolean` };
}

/**
 * Scores a run with an expression or schema scorer (a judge is {@link judgeDefinition}'s).
 * Bounded like every template (steps, depth, sizes); a failure is the score's error, never thrown.
 * @param clock binds `$now()` and friends (the run's end, so a replay scores the same).
 */
export async function scoreRun(
  scorer: Exclude<Scorer, { agent: string }>,
  context: Record<string, unknown>,
  index: number,
  clock: ExpressionClock,
): Promise<ScoreResult> {
  if ('schema' in scorer) {
    const checked = checkAnswer(JSON.stringify(context.output ?? null), scorer.schema);
    if (checked.ok) return { score: 100, reasons: 'the output matches the schema' };
    return { score: 0, reasons: checked.issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ') };
  }
  try {
    const value = await render(
      `{{ ${conditionSource(scorer.expression)} }}`,
      context,
      `evaluate[${index}].expression`,
      clock,
    );
    return scoreOfValue(value);
  } catch (err) {
    return { error: (err as Error).message.slice(0, 500) };
  }
}

/** The structured answer a judge gives. */
export const JUDGE_SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'number', minimum: 0, maximum: 100 },
    reasons: { type: 'string', maxLength: 4000 },
  },
  required: ['score', 'reasons'],
} as const;

/** Longest run output a judge reads, characters (the rest is cut, and the judge told so). */
export const MAX_JUDGED_CHARS = 20_000;

/**
 * The one-step workflow a judge scorer runs (named `evaluate-<agent>`, version 0: not in the
 * catalogue): the agent reads the rubric and the output and answers {@link JUDGE_SCHEMA}.
 */
export function judgeDefinition(scorer: Extract<Scorer, { agent: string }>): WorkflowDefinition {
  const name = scorer.agent.split('@')[0]!.replace(/_/g, '-');
  return WorkflowDefinition.parse({
    name: `evaluate-${name}`.slice(0, 64).replace(/-+$/, ''),
    description: `Evaluation by the agent ${scorer.agent}`,
    inputs: { input: { type: 'string', required: false } },
    steps: [{ id: 'judge', agent: scorer.agent, input: '{{ inputs.input }}', output_schema: JUDGE_SCHEMA }],
    output: '{{ judge.output }}',
  });
}

/** What a judge reads: the rubric, then the output to grade. */
export function judgeInput(rubric: string, output: unknown): string {
  const text = toText(output ?? '');
  const shown =
    text.length > MAX_JUDGED_CHARS
      ? `${text.slice(0, MAX_JUDGED_CHARS)}\n[… cut at ${MAX_JUDGED_CHARS} characters]`
      : text;
  return [
    'Grade the result below against the rubric. Answer JSON: { "score": 0–100, "reasons": "…" }.',
    '',
    'Rubric:',
    rubric,
    '',
    'Result:',
    shown,
  ].join('\n');
}

/** A judge run's answer as a score. */
export function judgeScore(output: unknown): ScoreResult {
  const o = output as { score?: unknown; reasons?: unknown } | null;
  if (o && typeof o.score === 'number' && o.score >= 0 && o.score <= 100)
    return { score: o.score, reasons: typeof o.reasons === 'string' ? o.reasons.slice(0, 4000) : '' };
  return { error: 'the judge did not answer a score 0–100' };
}

/** When a `quality_drop` rule fires. */
export interface QualityRule {
  /** Runs in the moving average (default 5). */
  window: number;
  /** Points the average may fall below the baseline before it is a regression. */
  tolerance: number;
  /** Also fires when the average falls below this score. */
  below?: number;
}

/** A drop found: the moving average, and the baseline it fell from (regression) or the floor (below). */
export interface QualityDrop {
  kind: 'regression' | 'below';
  recent: number;
  baseline: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function dropIn(scores: readonly number[], rule: QualityRule): QualityDrop | null {
  const n = rule.window;
  if (scores.length < n) return null;
  const recent = mean(scores.slice(0, n));
  if (scores.length >= 2 * n) {
    const baseline = mean(scores.slice(n, 2 * n));
    if (baseline - recent > rule.tolerance) return { kind: 'regression', recent, baseline };
  }
  if (rule.below !== undefined && recent < rule.below) return { kind: 'below', recent, baseline: rule.below };
  return null;
}

/**
 * Whether the newest score starts a quality drop: the moving average of the last `window` runs
 * is more than `tolerance` below the average of the `window` before (or under `below`), and was
 * not one run earlier — so a drop that lasts raises one alert, not one per run.
 * @param scores run scores, newest first (at least `2 × window + 1` are read)
 */
export function qualityDropStarts(scores: readonly number[], rule: QualityRule): QualityDrop | null {
  const now = dropIn(scores, rule);
  if (!now) return null;
  const before = dropIn(scores.slice(1), rule);
  return before && before.kind === now.kind ? null : now;
}
