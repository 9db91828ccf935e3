import { z } from 'zod';
import { AgentRef } from './names';
import { JsonSchemaObject } from './tools';

/** A scorer's name: it names the score in the run's evaluation, analytics and `quality_drop` rules. */
const ScorerName = z
  .string()
  .regex(/^[a-z0-9]+([-_][a-z0-9]+)*$/, 'expected lower-case letters, digits, - and _')
  .max(64);

/** A JSONata expression over the run giving 0–100 (true is 100, false 0). */
export const ExpressionScorer = z.strictObject({
  name: ScorerName,
  expression: z
    .string()
    .min(1)
    .max(4_000)
    .describe('JSONata over { output, steps, inputs, run, feedback }, bare or as {{ … }}: a number 0–100 or a boolean'),
});

/** A JSON Schema the run's output must match: 100 when it does, else 0 with the issues as reasons. */
export const SchemaScorer = z.strictObject({ name: ScorerName, schema: JsonSchemaObject });

/** An evaluator agent (LLM-as-judge) with a rubric; it answers `{ score: 0–100, reasons }`. */
export const JudgeScorer = z.strictObject({
  name: ScorerName,
  agent: AgentRef,
  rubric: z.string().min(1).max(8_000).describe('What a good result is; the judge reads it with the run output'),
});

export const Scorer = z.union([ExpressionScorer, SchemaScorer, JudgeScorer]);
export type Scorer = z.infer<typeof Scorer>;

/** A workflow's `evaluate:`: its scorers, run when a run completes. */
export const Evaluate = z
  .array(Scorer)
  .min(1)
  .max(10)
  .refine((list) => new Set(list.map((s) => s.name)).size === list.length, {
    error: 'each scorer needs a name of its own',
  })
  .describe('Scorers run when a run completes (issue 20: evaluations); the run gets a score and a grade');
export type Evaluate = z.infer<typeof Evaluate>;
