/**
 * Bodies of every `/api` answer (and of `POST /hooks/{workflow}`), as zod schemas with OpenAPI
 * component names: the routes declare them (so `/api/openapi.json` describes real bodies), the
 * dashboard reads their types (`z.infer`, type-only), and the tests parse answers with them.
 * Times are ISO-8601 UTC strings (CONTRACT.md "HTTP API"). Importing this module extends zod with
 * `.openapi()` (@hono/zod-openapi).
 */

export { ErrorBody, ErrorCode, StepError, Trigger, Usage } from './api/common';
export * from './api/runs';
export * from './api/messages';
export * from './api/approvals';
export * from './api/workflows';
export * from './api/agents';
export * from './api/operations';
export * from './api/access';
export * from './api/run-export';
export * from './api/feedback';
export * from './api/analytics';
export * from './api/alerts';
export * from './api/templates';
