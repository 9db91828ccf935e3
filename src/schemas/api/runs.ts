import { z } from 'zod';
import { AttemptStatus, RunStatus, SkipReason, StepStatus, TriggerType } from '../enums';
import { orNull, Iso, IsoOrNull, StepError, Usage, Trigger } from './common';
import { STEP_KINDS } from '../steps';

/* Runs, their steps and attempts. */

/** One attempt of a step. */
export const Attempt = z
  .object({
    attempt: z.number().int(),
    status: AttemptStatus,
    dispatchedAt: IsoOrNull,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    error: orNull(StepError),
    usage: orNull(Usage),
    provider: z.string().nullable(),
  })
  .openapi('Attempt');
export type Attempt = z.infer<typeof Attempt>;

/** One step instance of a run (`dive[2]` inside a foreach). */
export const Step = z
  .object({
    id: z.string(),
    kind: z.enum(STEP_KINDS),
    agent: z.string().optional(),
    parent: z.string().optional(),
    compensates: z.string().optional().describe('For a compensation step: the step it undoes'),
    compensation: z
      .enum(['succeeded', 'failed'])
      .optional()
      .describe('For a step with `compensate:`: how its compensation ended'),
    branch: z.string().optional().describe('switch: the chosen case'),
    status: StepStatus,
    attempts: z.number().int(),
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    input: z.unknown(),
    output: z.unknown(),
    error: orNull(StepError),
    skipReason: SkipReason.optional(),
    history: z.array(Attempt),
  })
  .openapi('Step');
export type Step = z.infer<typeof Step>;

/** A run's list entry (`GET /api/runs`), from the D1 index. */
export const RunSummary = z
  .object({
    id: z.string(),
    workflow: z.string(),
    version: z.number().int(),
    status: RunStatus,
    trigger: z.object({ type: TriggerType }),
    stepsDone: z.number().int(),
    stepsTotal: z.number().int(),
    createdAt: Iso,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
    error: orNull(StepError),
  })
  .openapi('RunSummary');
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * A run without its steps (`GET /api/runs/{id}?steps=false`), from the D1 index. Strict (no other
 * keys), so an answer with `steps` can only be a {@link Run} and is checked as one.
 */
export const RunHead = z
  .strictObject({
    ...RunSummary.shape,
    createdAt: IsoOrNull,
    trigger: Trigger,
    input: z.unknown(),
    output: z.unknown(),
  })
  .openapi('RunHead');
export type RunHead = z.infer<typeof RunHead>;

/** One run with its steps (`GET /api/runs/{id}`); `steps` is empty before the run starts. */
export const Run = z.object({ ...RunHead.shape, steps: z.array(Step) }).openapi('Run');
export type Run = z.infer<typeof Run>;

export const RunList = z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() }).openapi('RunList');
export const RunStarted = z.object({ runId: z.string() }).openapi('RunStarted');
export const RunControlled = z.object({ runId: z.string(), status: RunStatus }).openapi('RunControlled');
