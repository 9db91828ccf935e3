import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { listMessages } from '../../adapter/cloudflare/d1/messages';
import { MessageList } from '../../schemas/api';
import { MessageDirection, MessageStatus } from '../../schemas/enums';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';
import { messageSummary } from '../views';

export const messageRoutes = router();

messageRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/messages',
    operationId: 'listMessages',
    summary: 'Every email in and out, newest first',
    request: {
      query: z.object({
        direction: MessageDirection.optional(),
        status: MessageStatus.optional(),
        cursor: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: jsonBody(MessageList, 'A page of messages; `nextCursor` reads the next one'),
      ...authErrors(400),
    },
  }),
  async (c) => {
    const { rows, nextCursor } = await listMessages(database(c.env.DB), c.var.tenantId, c.req.valid('query'));
    return c.json({ messages: rows.map(messageSummary), nextCursor }, 200);
  },
);
