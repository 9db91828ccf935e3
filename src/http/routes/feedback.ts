import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import { database } from '../../adapter/cloudflare/d1/client';
import { recordFeedback, runFeedback, type FeedbackRow } from '../../adapter/cloudflare/d1/feedback';
import { getRunRow } from '../../adapter/cloudflare/d1/runs';
import { Feedback, GiveFeedback } from '../../schemas/api';
import { router } from '../context';
import { actorName } from '../middleware/audit';
import { authErrors, jsonBody } from '../openapi';

export const feedbackRoutes = router();

const idParam = z.object({ id: z.string() });

function feedbackView({ tenantId: _, messageId: __, ...row }: FeedbackRow): Feedback {
  return row;
}

feedbackRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/runs/{id}/feedback',
    operationId: 'listRunFeedback',
    summary: "A run's feedback (👍/👎 replies to its result email, thumbs in the dashboard), oldest first",
    request: { params: idParam },
    responses: { 200: jsonBody(z.array(Feedback), 'Feedback, oldest first'), ...authErrors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const db = database(c.env.DB);
    if (!(await getRunRow(db, c.var.tenantId, id))) throw new BatonError('not_found', `run ${id} does not exist`);
    return c.json((await runFeedback(db, c.var.tenantId, id)).map(feedbackView), 200);
  },
);

feedbackRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/runs/{id}/feedback',
    operationId: 'giveRunFeedback',
    summary: 'Rate a run: thumbs up or down, with a comment',
    request: {
      params: idParam,
      body: { content: { 'application/json': { schema: GiveFeedback } }, required: true },
    },
    responses: { 201: jsonBody(Feedback, 'Recorded'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const db = database(c.env.DB);
    if (!(await getRunRow(db, c.var.tenantId, id))) throw new BatonError('not_found', `run ${id} does not exist`);
    const actor = c.var.actor;
    const row = await recordFeedback(
      db,
      c.var.tenantId,
      {
        runId: id,
        rating: body.rating,
        comment: body.comment ?? '',
        source: actor.type === 'person' ? 'dashboard' : 'api',
        by: actorName(actor),
      },
      new Date().toISOString(),
    );
    return c.json(feedbackView(row), 201);
  },
);
