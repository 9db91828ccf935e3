import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { listAudit } from '../../adapter/cloudflare/d1/audit';
import { AuditLogEntry } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

/** `GET /api/audit`: who changed or decided what, when and from where. */
export const auditRoutes = router();

auditRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/audit',
    operationId: 'listAudit',
    summary: "The tenant's audit log, newest first: every change and decision, by whom, on what, from where",
    request: {
      query: z.object({
        object: z
          .string()
          .max(300)
          .optional()
          .describe('An object: a run id, workflow or agent name, approval or key id'),
        actor: z
          .string()
          .max(300)
          .optional()
          .describe('`key:<name>`, `ADMIN_TOKEN`, an email address, `api`, `timeout`'),
        since: z.iso.datetime({ offset: true }).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
    },
    responses: { 200: jsonBody(z.array(AuditLogEntry), 'Entries, newest first'), ...authErrors(400) },
  }),
  async (c) => c.json(await listAudit(database(c.env.DB), c.var.tenantId, c.req.valid('query')), 200),
);
