import { createRoute, z } from '@hono/zod-openapi';
import type { RunState } from '../../core/engine';
import { BatonError } from '../../core/errors';
import { database } from '../../adapter/cloudflare/d1/client';
import { runMessages } from '../../adapter/cloudflare/d1/messages';
import { getRunRow, listRuns } from '../../adapter/cloudflare/d1/runs';
import { cancelQueued, queuePosition, releaseFlow, retakeFlow } from '../../adapter/cloudflare/flow-chain';
import { MessageDetail, Run, RunControlled, RunHead, RunList } from '../../schemas/api';
import { ENDED_RUN_STATUSES, RunStatus, TriggerType } from '../../schemas/enums';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';
import { evaluationView, messageDetail, runFromRow, runSummary, runView } from '../views';
import { scoresOfRun } from '../../adapter/cloudflare/d1/scores';

const idParam = z.object({ id: z.string() });

export const runRoutes = router();

runRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/runs',
    operationId: 'listRuns',
    summary: 'List runs, newest first',
    request: {
      query: z.object({
        workflow: z.string().optional(),
        status: RunStatus.optional(),
        trigger: TriggerType.optional(),
        cursor: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: { 200: jsonBody(RunList, 'A page of runs; `nextCursor` reads the next one'), ...authErrors(400) },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { rows, nextCursor } = await listRuns(database(c.env.DB), c.var.tenantId, q);
    return c.json({ runs: rows.map(runSummary), nextCursor }, 200);
  },
);

async function requireRun(env: { DB: D1Database }, tenantId: string, id: string) {
  const row = await getRunRow(database(env.DB), tenantId, id);
  if (!row) throw new BatonError('not_found', `run ${id} does not exist`);
  return row;
}

runRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/runs/{id}',
    operationId: 'getRun',
    summary: 'Read one run with its steps',
    description:
      'With `steps=false`, the run without its steps, from the D1 index (up to 500 ms behind a live run): cheap enough to poll.',
    request: { params: idParam, query: z.object({ steps: z.enum(['true', 'false']).default('true') }) },
    responses: {
      200: jsonBody(z.union([Run, RunHead]), 'The run with its steps, or without them (`steps=false`)'),
      ...authErrors(400, 404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const row = await requireRun(c.env, c.var.tenantId, id);
    if (c.req.valid('query').steps === 'false') return c.json(runFromRow(row), 200);
    const state = (await c.env.RUNS.get(c.env.RUNS.idFromName(id)).snapshot()) as RunState | null;
    // A run whose RunObject has not started yet is answered from its D1 row (and its place, when it waits for a slot).
    if (!state) {
      const position =
        row.status === 'queued' && row.queueReason === 'concurrency' && row.flow
          ? await queuePosition(c.env, row.id, row.flow)
          : null;
      return c.json({ ...runFromRow(row), ...(position !== null ? { queuePosition: position } : {}), steps: [] }, 200);
    }
    const scorers = state.definition.evaluate?.length ?? 0;
    if (!scorers) return c.json(runView(state), 200);
    const scores = await scoresOfRun(database(c.env.DB), c.var.tenantId, id);
    return c.json({ ...runView(state), evaluation: evaluationView(scores, scorers) }, 200);
  },
);

const ENDED: string[] = [...ENDED_RUN_STATUSES];
const DONE = { pause: 'paused', resume: 'resumed', cancel: 'cancelled', restart: 'restarted' } as const;
/** Which run statuses each action refuses (409). */
const REFUSED: Record<'pause' | 'resume' | 'cancel' | 'restart', string[]> = {
  pause: ENDED,
  resume: ENDED,
  cancel: ENDED,
  restart: ['queued', 'running', 'waiting', 'paused', 'completed'],
};

for (const action of ['pause', 'resume', 'cancel', 'restart'] as const) {
  runRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/runs/{id}/${action}`,
      operationId: `${action}Run`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a run`,
      description:
        "Pause takes effect between steps; cancel ignores running attempts' late results (compensations run only with `on_cancel: compensate`); restart (failed or cancelled runs) re-runs what did not succeed, in the same run.",
      request: { params: idParam },
      responses: {
        202: jsonBody(RunControlled, "Accepted: the run's status after the request"),
        ...authErrors(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await requireRun(c.env, c.var.tenantId, id);
      const stub = c.env.RUNS.get(c.env.RUNS.idFromName(id));
      const before = ((await stub.snapshot()) as RunState | null)?.status ?? row.status;
      if (REFUSED[action].includes(before))
        throw new BatonError('conflict', `run ${id} is ${before}; it cannot be ${DONE[action]}`);
      // A run waiting in a flow-control gate has no RunObject yet: cancel ends its record, pause is refused.
      if (before === 'queued' && row.queueReason) {
        if (action === 'pause')
          throw new BatonError(
            'conflict',
            `run ${id} waits in a flow-control gate (${row.queueReason}); it can be paused once it starts, or cancelled`,
          );
        if (action === 'cancel' && (await cancelQueued(c.env, c.var.tenantId, id, 'cancelled over the API')))
          return c.json({ runId: id, status: 'cancelled' as const }, 202);
      }
      // A restart takes the run's places again (concurrency, singleton), or is refused while they are taken.
      const places = action === 'restart' ? (row.flow ?? []) : [];
      const refused = places.length ? await retakeFlow(c.env, c.var.tenantId, id, places) : null;
      if (refused) throw new BatonError('conflict', `run ${id} cannot be restarted now: ${refused}`);
      const status = await stub.control(action, action === 'cancel' ? 'cancelled over the API' : undefined);
      if (places.length && (status === null || REFUSED.restart.indexOf(status) < 0))
        await releaseFlow(c.env, places, id); // the restart did not happen: the places go back
      return c.json({ runId: id, status: status ?? before }, 202);
    },
  );
}

runRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/runs/{id}/messages',
    operationId: 'listRunMessages',
    summary: 'Emails in and out of a run',
    request: { params: idParam },
    responses: { 200: jsonBody(z.array(MessageDetail), 'Messages, oldest first'), ...authErrors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    await requireRun(c.env, c.var.tenantId, id);
    const rows = await runMessages(database(c.env.DB), c.var.tenantId, id);
    return c.json(rows.map(messageDetail), 200);
  },
);
