import { Hono } from 'hono';
import { receiveWebhook } from '../triggers/webhook';
import type { HonoEnv } from './context';

/** `POST /hooks/:workflow`: webhook triggers, authenticated by their signature, not a bearer token. */
export const webhookRoutes = new Hono<HonoEnv>();

webhookRoutes.post('/hooks/:workflow', async (c) => {
  const answer = await receiveWebhook(c.env, 'default', c.req.param('workflow'), {
    headers: c.req.raw.headers,
    body: async () => new Uint8Array(await c.req.arrayBuffer()),
  });
  return c.json(answer.body, answer.status);
});
