import type { z } from '@hono/zod-openapi';
import { ErrorBody } from '../schemas/api';

/**
 * Small builders for route declarations, so each `createRoute` says only what differs: the body
 * schema of a 2xx, and which error statuses (all with the shared {@link ErrorBody}) the route can
 * answer. The status of each error code is `STATUS_OF` in ./errors.ts.
 */

/** A JSON response (or request body) declaration. */
export function jsonBody<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** Error statuses a route may answer, each with what causes it. */
const ERROR_CAUSES = {
  400: 'Invalid request: `bad_request` (`details.issues` locates each problem), `invalid_definition`',
  401: '`unauthorized`: missing or invalid bearer token (or signature, on /hooks)',
  403: "`forbidden`: the token's role may not call this route",
  404: '`not_found`',
  409: '`conflict`: not possible in the current state',
  413: '`payload_too_large`',
  429: "`rate_limited`: past the workflow's `rate_limit`; `Retry-After` (s) and `details.retryAfterMs` say when to try again",
  500: '`internal_error` and configuration problems (e.g. `SECRETS_KEY` not set)',
  503: 'A secret or dependency the request needs is not available',
} as const;
export type ErrorStatus = keyof typeof ERROR_CAUSES;

type ErrorResponse = { description: string; content: { 'application/json': { schema: typeof ErrorBody } } };

/** Declarations of the error answers `statuses`, e.g. `...errors(400, 404)`. */
export function errors<const S extends readonly ErrorStatus[]>(...statuses: S): { [K in S[number]]: ErrorResponse } {
  return Object.fromEntries(statuses.map((s) => [s, jsonBody(ErrorBody, ERROR_CAUSES[s])])) as {
    [K in S[number]]: ErrorResponse;
  };
}

/** The errors of an authenticated `/api` route: 401 and 403 from the bearer check, plus `more`. */
export function authErrors<const S extends readonly ErrorStatus[]>(...more: S) {
  return { ...errors(401, 403), ...errors(...more) };
}
