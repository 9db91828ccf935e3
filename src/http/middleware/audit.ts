import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { database } from '../../adapter/cloudflare/d1/client';
import { audit } from '../../adapter/cloudflare/d1/approvals';
import type { HonoEnv } from '../context';
import type { Actor } from './auth';
import { unreachable } from '../../core/unreachable';

/** Methods that change something: each successful one is recorded. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** How the audit log names an actor: `key:<name>` (an API key), a member's email, or `ADMIN_TOKEN` (the deployment's). */
export function actorName(actor: Actor): string {
  switch (actor.type) {
    case 'key':
      return `key:${actor.name}`;
    case 'person':
      return actor.email;
    case 'deployment':
      return 'ADMIN_TOKEN';
    default:
      return unreachable(actor, 'actor');
  }
}

/**
 * Records every successful change made through `/api` in the audit log (`GET /api/audit`): who
 * (the key by name), what (`<METHOD> <route>`), which object (the route's parameter, else the
 * answer's `id` / `runId` / `name`), the version it made (the answer's `version`), and from
 * where (`CF-Connecting-IP`, `User-Agent`). Request bodies are never recorded (they carry secret
 * values). A failed write to the log is logged and does not fail the request.
 */
export function auditWrites(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    await next();
    if (!WRITES.has(c.req.method) || c.res.status >= 400 || !c.var.actor) return;
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
    if (!route) return;
    const answer = await answerFields(c);
    const params = Object.values(c.req.param() as Record<string, string>);
    try {
      await audit(database(c.env.DB), c.var.tenantId, {
        actor: actorName(c.var.actor),
        action: `${route.method} ${route.path}`,
        subject: params.at(-1) ?? answer.id ?? route.path,
        details: {
          status: c.res.status,
          ...(answer.version !== undefined ? { version: answer.version } : {}),
          ip: c.req.header('cf-connecting-ip') ?? null,
          userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null,
        },
      });
    } catch (err) {
      console.error(`audit log: ${route.method} ${route.path} not recorded`, err);
    }
  };
}

/** The object id and version a JSON answer names (`id`, `runId`, `name`; `version`), if any. */
async function answerFields(c: Context<HonoEnv>): Promise<{ id?: string; version?: number }> {
  if (!(c.res.headers.get('content-type') ?? '').includes('application/json')) return {};
  try {
    const body = (await c.res.clone().json()) as Record<string, unknown>;
    const nested = (body.tenant ?? {}) as Record<string, unknown>;
    const id = [body.id, body.runId, body.name, nested.id].find((v) => typeof v === 'string') as string | undefined;
    return { id, ...(typeof body.version === 'number' ? { version: body.version } : {}) };
  } catch {
    return {};
  }
}
