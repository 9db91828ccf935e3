import { createRoute, z } from '@hono/zod-openapi';
import { nextFires, parseSchedule } from '../../core/schedule';
import { database } from '../../adapter/cloudflare/d1/client';
import { listSchedules } from '../../adapter/cloudflare/d1/workflows';
import { Schedule } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const scheduleRoutes = router();

scheduleRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/schedules',
    operationId: 'listSchedules',
    summary: 'Every schedule trigger with its next fire times',
    request: {
      query: z.object({
        next: z.coerce.number().int().min(1).max(50).default(5),
        from: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('list the fire times after this instant (default: now)'),
      }),
    },
    responses: {
      200: jsonBody(z.array(Schedule), 'Each schedule with `next`: the instants `scheduled()` starts runs at'),
      ...authErrors(400),
    },
  }),
  async (c) => {
    const { next, from } = c.req.valid('query');
    const after = from ? Date.parse(from) : Date.now();
    const schedules = await listSchedules(database(c.env.DB), c.var.tenantId);
    return c.json(
      schedules.map((s) => {
        const parsed = parseSchedule(s.config.cron, s.config.timezone);
        return {
          workflow: s.workflowName,
          trigger: s.key,
          cron: s.config.cron,
          timezone: s.config.timezone,
          catchUp: s.config.catch_up,
          input: s.config.input,
          next: parsed.ok ? nextFires(parsed.schedule, after, next).map((ms) => new Date(ms).toISOString()) : [],
        };
      }),
      200,
    );
  },
);
