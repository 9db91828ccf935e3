import { OpenAPIHono, z } from '@hono/zod-openapi';
import { RunSkipped, WebhookAccepted, WebhookChallenge } from '../schemas/api';
import { receiveWebhook } from '../adapter/cloudflare/triggers/webhook';
import type { HonoEnv } from './context';
import { errors, jsonBody } from './openapi';

/** `POST /hooks/:workflow`: webhook triggers, authenticated by their signature, not a bearer token. */
export const webhookRoutes = new OpenAPIHono<HonoEnv>();

// Declared for the document only: the handler reads the raw body itself (the signature covers its bytes).
webhookRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/hooks/{workflow}',
  operationId: 'receiveWebhook',
  summary: 'Webhook trigger (signed, no bearer token)',
  description: [
    "Checks the body size, the signature of the workflow's webhook trigger (`github`, `stripe`, `slack`, `hmac-sha256` or `none`)",
    "and the nesting depth, then starts a run with the trigger's `input:` mapping. A repeated delivery id, or the same signed body",
    "within 24 h, starts nothing and answers the first run's id. Every request is recorded (`GET /api/deliveries`).",
  ].join(' '),
  security: [],
  request: {
    params: z.object({ workflow: z.string() }),
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

webhookRoutes.post('/hooks/:workflow', async (c) => {
  const answer = await receiveWebhook(c.env, 'default', c.req.param('workflow'), {
    headers: c.req.raw.headers,
    body: async () => new Uint8Array(await c.req.arrayBuffer()),
  });
  return c.json(answer.body, answer.status, answer.headers);
});
