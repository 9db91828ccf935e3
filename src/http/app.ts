import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { BatonError } from '../core/errors';
import { Health } from '../schemas/api';
import { workflowJsonSchema } from '../schemas/workflow-json-schema';
import type { HonoEnv } from './context';
import { errorResponse } from './errors';
import { authErrors, jsonBody } from './openapi';
import { bearerAuth } from './middleware/auth';
import { redactForReaders } from './middleware/redact';
import { auditWrites } from './middleware/audit';
import { approvalLinks } from './approval-links';
import { webhookRoutes } from './webhooks';
import { deliveryRoutes } from './routes/deliveries';
import { demoRoutes } from './routes/demo';
import { agentRoutes } from './routes/agents';
import { approvalRoutes } from './routes/approvals';
import { eventRoutes } from './routes/events';
import { liveRoutes } from './routes/live';
import { messageRoutes } from './routes/messages';
import { planRoutes } from './routes/plans';
import { runRoutes } from './routes/runs';
import { runExportRoutes } from './routes/run-export';
import { feedbackRoutes } from './routes/feedback';
import { analyticsRoutes } from './routes/analytics';
import { alertRoutes } from './routes/alerts';
import { templateRoutes } from './routes/templates';
import { scheduleRoutes } from './routes/schedules';
import { secretRoutes } from './routes/secrets';
import { accessRoutes } from './routes/access';
import { auditRoutes } from './routes/audit';
import { memberRoutes } from './routes/members';
import { signInRoutes } from './sign-in';
import { workflowRoutes } from './routes/workflows';

/** The document's head; the paths and components come from the routes. */
export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Baton API',
    version: '0.1.0',
    license: { name: 'MIT', identifier: 'MIT' },
    description:
      'Multi-agent workflows on Cloudflare Workers. All /api routes need Authorization: Bearer <token>, except those marked otherwise.',
  },
  servers: [{ url: '/', description: 'The Worker that serves this document' }],
  security: [{ bearer: [] }],
};

/** The OpenAPI 3.1 document `GET /api/openapi.json` answers, built without bindings (for checks outside workerd). */
export function openApiDocument() {
  return createApp().getOpenAPI31Document(OPENAPI_CONFIG);
}

/** The Worker's HTTP surface: `/api/*` (bearer auth), JSON errors, the OpenAPI document. */
export function createApp() {
  const app = new OpenAPIHono<HonoEnv>();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => errorResponse(c, new BatonError('not_found', `no route for ${c.req.method} ${c.req.path}`)));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/health',
      operationId: 'health',
      summary: 'Liveness (no token)',
      security: [],
      responses: { 200: jsonBody(Health, 'The Worker answers') },
    }),
    (c) => c.json({ ok: true as const }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/schema/workflow.json',
      operationId: 'getWorkflowJsonSchema',
      summary: 'JSON Schema (draft 2020-12) of the workflow format, for editors (no token)',
      security: [],
      responses: { 200: jsonBody(z.record(z.string(), z.unknown()), 'The JSON Schema') },
    }),
    (c) => c.json(workflowJsonSchema(), 200),
  );
  app.route('/', approvalLinks);
  app.route('/', webhookRoutes);
  app.route('/', signInRoutes);
  app.use('/api/*', bearerAuth(), auditWrites(), redactForReaders());
  for (const routes of [
    workflowRoutes,
    runRoutes,
    runExportRoutes,
    feedbackRoutes,
    analyticsRoutes,
    alertRoutes,
    templateRoutes,
    agentRoutes,
    messageRoutes,
    eventRoutes,
    approvalRoutes,
    scheduleRoutes,
    deliveryRoutes,
    secretRoutes,
    liveRoutes,
    demoRoutes,
    planRoutes,
    accessRoutes,
    auditRoutes,
    memberRoutes,
  ])
    app.route('/api', routes);
  declareUndeclared(app);
  app.doc31('/api/openapi.json', OPENAPI_CONFIG);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  return app;
}

/** Routes that are not zod-openapi operations (the document itself, signed approval links), declared for the document. */
function declareUndeclared(app: OpenAPIHono<HonoEnv>) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document (OpenAPI 3.1)',
    responses: { 200: jsonBody(z.record(z.string(), z.unknown()), 'The OpenAPI document'), ...authErrors() },
  });
  const page = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
  const link = {
    params: z.object({ id: z.string() }),
    query: z.object({
      d: z.enum(['approve', 'reject', 'request_changes']),
      a: z.string().describe('the assignee'),
      exp: z.string().describe('expiry, epoch seconds'),
      sig: z.string(),
    }),
  };
  const pages = {
    400: page('Incomplete link'),
    403: page('Link not valid (changed, or not one Baton sent)'),
    404: page('Unknown approval'),
    409: page('Already decided'),
    410: page('Link expired'),
  };
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/hooks/approvals/{id}',
    operationId: 'showApprovalLink',
    summary: 'Signed approval link: shows what is decided and asks to confirm (no token)',
    security: [],
    request: link,
    responses: { 200: page('The confirmation form'), ...pages },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/hooks/approvals/{id}',
    operationId: 'decideApprovalLink',
    summary: 'Signed approval link: decides, once (no token)',
    security: [],
    request: {
      ...link,
      body: {
        content: { 'application/x-www-form-urlencoded': { schema: z.object({ comment: z.string().optional() }) } },
      },
    },
    responses: { 200: page('Decided'), ...pages },
  });
  declareSignIn(app, page);
}

/** The sign-in routes of sign-in.ts (not zod-openapi operations), declared for the document. */
function declareSignIn(
  app: OpenAPIHono<HonoEnv>,
  page: (description: string) => { description: string; content: { 'text/html': { schema: z.ZodString } } },
) {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/auth/sign-in',
    operationId: 'requestSignInLink',
    summary: 'Email a one-time sign-in link to a member (the same answer whether or not the address is one; no token)',
    security: [],
    request: { body: { content: { 'application/json': { schema: z.object({ email: z.email() }) } } } },
    responses: {
      202: jsonBody(z.object({ sent: z.literal(true), message: z.string() }), 'Sent if a member'),
      ...authErrors(400),
    },
  });
  const query = { query: z.object({ l: z.string(), exp: z.string(), sig: z.string() }) };
  const pages = {
    403: page('Link changed'),
    404: page('Unknown link'),
    409: page('Link used already'),
    410: page('Link expired'),
  };
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/auth/link',
    operationId: 'showSignInLink',
    summary: 'Sign-in link: asks to confirm (so mail scanners sign nobody in; no token)',
    security: [],
    request: query,
    responses: { 200: page('The confirmation form'), ...pages },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/auth/link',
    operationId: 'useSignInLink',
    summary: 'Sign-in link: signs in, once; sets the session cookie and redirects to the dashboard (no token)',
    security: [],
    request: query,
    responses: { 303: { description: 'Signed in: Set-Cookie baton_session, Location /' }, ...pages },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/auth/session',
    operationId: 'getSession',
    summary: "Whether the request's session cookie signs a member in, and as whom (200 either way; no token)",
    security: [],
    responses: {
      200: jsonBody(
        z.object({
          signedIn: z.boolean(),
          tenantId: z.string().optional(),
          email: z.string().optional(),
          role: z.string().optional(),
        }),
        'The session, if any',
      ),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/auth/sign-out',
    operationId: 'signOut',
    summary: 'End the session of the cookie (no token)',
    security: [],
    responses: { 204: { description: 'Signed out' } },
  });
}
