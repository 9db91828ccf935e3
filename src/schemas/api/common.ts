import { extendZodWithOpenApi } from '@hono/zod-openapi';
import { z } from 'zod';
import { ErrorCode as ErrorCodeEnum, TriggerType } from '../enums';
import { StepError as StepErrorShape } from '../errors';

/** The building blocks of the API schemas: zod extended with `.openapi()`, times, errors, usage, trigger. */

extendZodWithOpenApi(z); // a no-op when @hono/zod-openapi was imported first

/**
 * `schema.openapi(name)` for a schema built in another module: zod 4 copies methods onto a schema
 * when it is built, so one built before zod was extended has no `.openapi` of its own.
 */
export function named<T extends z.ZodType>(schema: T, name: string): T {
  return (z.ZodType.prototype as unknown as { openapi: (this: T, name: string) => T }).openapi.call(schema, name);
}

/**
 * `schema` or null. (`.nullable()` on a named schema would make the component itself nullable:
 * zod-to-openapi keeps the name on the nullable copy.)
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

export const Iso = z.string().describe('ISO-8601 UTC');
export const IsoOrNull = Iso.nullable();

/** Closed set of error codes (see schemas/enums.ts). */
export const ErrorCode = named(ErrorCodeEnum, 'ErrorCode');

/** Every error answer: `{ error: { code, message, details? } }` (CONTRACT.md "Errors"). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('e.g. `issues: [{ path, message }]` for a refused definition or request'),
    }),
  })
  .openapi('Error');
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A failure recorded on a step attempt, a step or a run. */
export const StepError = named(StepErrorShape, 'StepError');
export type StepError = z.infer<typeof StepError>;

/** Token counts and cost (USD) an agent reported for one attempt. */
export const Usage = z
  .object({ inputTokens: z.number().optional(), outputTokens: z.number().optional(), costUsd: z.number().optional() })
  .openapi('Usage');
export type Usage = z.infer<typeof Usage>;

/** What started a run: `{ type, … }` with the trigger's own data (email, webhook, schedule). */
export const Trigger = z.looseObject({ type: TriggerType }).openapi('Trigger');
