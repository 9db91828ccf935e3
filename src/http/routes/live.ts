import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { BatonError } from '../../core/errors';
import { redactJson } from '../../core/redact';
import { database } from '../../adapter/cloudflare/d1/client';
import { getRunRow, listRuns } from '../../adapter/cloudflare/d1/runs';
import { RunStatus, TriggerType } from '../../schemas/enums';
import { router } from '../context';
import { authErrors } from '../openapi';
import { runSummary } from '../views';

/** How often the runs feed reads the D1 index, ms. */
export const FEED_POLL_MS = 1_000;
/** A feed ends after this long (the client reconnects), so no request lives for ever, ms. */
export const FEED_LIFETIME_MS = 5 * 60_000;
/** A comment line is sent this often on a quiet feed, so proxies keep the connection, ms. */
const KEEP_ALIVE_MS = 15_000;

export const liveRoutes = router();

liveRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/live/runs',
    operationId: 'streamRuns',
    summary: 'Live runs list (server-sent events)',
    description:
      'An `event: runs` with `{ runs }` (the first page of `GET /api/runs` with the same filters) at once and whenever it changes. The stream ends after 5 minutes; reconnect.',
    request: {
      query: z.object({
        workflow: z.string().optional(),
        status: RunStatus.optional(),
        trigger: TriggerType.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: {
        description: 'Server-sent events (`event: runs`, `data: { runs: RunSummary[] }`)',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...authErrors(400),
    },
  }),
  async (c) => {
    const filter = c.req.valid('query');
    const db = database(c.env.DB);
    const tenantId = c.var.tenantId;
    // Not JSON, so not seen by redactForReaders: a non-admin's feed is redacted here.
    const forReader = (value: unknown) => (c.var.role === 'admin' ? value : redactJson(value).value);
    return streamSSE(c, async (stream) => {
      let last = '';
      let quietSince = Date.now();
      const end = Date.now() + FEED_LIFETIME_MS;
      while (!stream.aborted && Date.now() < end) {
        const { rows } = await listRuns(db, tenantId, filter);
        const data = JSON.stringify(forReader({ runs: rows.map(runSummary) }));
        if (data !== last) {
          await stream.writeSSE({ event: 'runs', data });
          last = data;
          quietSince = Date.now();
        } else if (Date.now() - quietSince > KEEP_ALIVE_MS) {
          await stream.write(': keep-alive\n\n');
          quietSince = Date.now();
        }
        await stream.sleep(FEED_POLL_MS);
      }
    });
  },
);

// A WebSocket upgrade is not an OpenAPI operation: a plain route, after the same bearer auth,
// declared in the document as well as OpenAPI allows (a GET answering 101).
liveRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/live/runs/{id}',
  operationId: 'watchRun',
  summary: 'Live run (WebSocket)',
  description:
    'Upgrades to a WebSocket (`Upgrade: websocket`, subprotocol `baton`) on which the RunObject sends `{ type: "changed", status }` at once and after changes (at most every 150 ms); read the run with `GET /api/runs/{id}` then. Browsers, which cannot set `Authorization` there, send the token as a `bearer.<base64url token>` entry of `Sec-WebSocket-Protocol`.',
  request: { params: z.object({ id: z.string() }) },
  responses: { 101: { description: 'Switching protocols: the WebSocket is open' }, ...authErrors(400, 404) },
});
liveRoutes.get('/live/runs/:id', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
    throw new BatonError('bad_request', 'expected a WebSocket upgrade (Upgrade: websocket)');
  const id = c.req.param('id');
  if (!(await getRunRow(database(c.env.DB), c.var.tenantId, id)))
    throw new BatonError('not_found', `run ${id} does not exist`);
  return c.env.RUNS.get(c.env.RUNS.idFromName(id)).fetch(c.req.raw);
});
