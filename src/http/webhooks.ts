import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DEFAULT_TENANT } from '../schemas/enums';
import { RunSkipped, WebhookAccepted, WebhookChallenge } from '../schemas/api';
import { receiveWebhook } from '../adapter/cloudflare/triggers/webhook';
import type { HonoEnv } from './context';
import { errors, jsonBody } from './openapi';

/**
 * `POST /hooks/:workflow` (the default tenant's workflows) and `POST /hooks/:tenant/:workflow`
 * (another tenant's, by its id `t_…`): webhook triggers, authenticated by their signature, not a
 * bearer token.
 */
export const webhookRoutes = new OpenAPIHono<HonoEnv>();

/** A tenant id as `POST /api/tenants` makes them (never `approvals`, whose links share `/hooks/`). */
const TENANT_ID = 't_[0-9a-f]{16}';

/** The document's description of both webhook paths. */
const webhookOperation = (path: string, operationId: string, params: z.ZodObject) => ({
  method: 'post' as const,
  path,
  operationId,
  summary: 'Webhook trigger (signed, no bearer token)',
  description: [
    "Checks the body size, the signature of the workflow's webhook trigger (`github`, `stripe`, `slack`, `hmac-sha256` or `none`)",
    "and the nesting depth, then starts a run with the trigger's `input:` mapping. A repeated delivery id, or the same signed body",
    "within 24 h, starts nothing and answers the first run's id. Every request is recorded (`GET /api/deliveries`).",
  ].join(' '),
  security: [],
  request: {
    params,
    body: {
      description: 'Whatever the sender posts: JSON, form fields or text',
      content: {
        'application/json': { schema: z.unknown() },
        'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.string()) },
        'text/plain': { schema: z.string() },
      },
    },
  },
  responses: {
    200: jsonBody(
      z.union([WebhookChallenge, RunSkipped]),
      "Slack `url_verification`: the challenge, answered; or skipped: the workflow's singleton (mode skip) has an active run",
    ),
    202: jsonBody(
      WebhookAccepted,
      'A run started (`runId`), the run of an earlier delivery (`duplicate: true`), or filtered out (`ignored: true`)',
    ),
    ...errors(400, 401, 404, 413, 429, 500, 503),
  },
});

// Declared for the document only: the handler reads the raw body itself (the signature covers its bytes).
webhookRoutes.openAPIRegistry.registerPath(
  webhookOperation('/hooks/{workflow}', 'receiveWebhook', z.object({ workflow: z.string() })),
);
webhookRoutes.openAPIRegistry.registerPath(
  webhookOperation(
    '/hooks/{tenant}/{workflow}',
    'receiveTenantWebhook',
    z.object({ tenant: z.string().describe('The tenant id, `t_…`'), workflow: z.string() }),
  ),
);

webhookRoutes.post(`/hooks/:tenant{${TENANT_ID}}/:workflow`, (c) =>
  answerWebhook(c, c.req.param('tenant'), c.req.param('workflow')),
);
webhookRoutes.post('/hooks/:workflow', (c) => answerWebhook(c, DEFAULT_TENANT, c.req.param('workflow')));

async function answerWebhook(c: Context<HonoEnv>, tenantId: string, workflow: string) {
  const answer = await receiveWebhook(c.env, tenantId, workflow, {
    headers: c.req.raw.headers,
    body: async () => new Uint8Array(await c.req.arrayBuffer()),
  });
  return c.json(answer.body, answer.status, answer.headers);
}
