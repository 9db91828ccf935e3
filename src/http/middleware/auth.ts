import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { eq } from 'drizzle-orm';
import { fromBase64Url } from '../../lib/encoding';
import { BatonError } from '../../core/errors';
import { sha256, sha256Hex } from '../../lib/hash';
import { database } from '../../adapter/cloudflare/d1/client';
import { apiKeys } from '../../adapter/cloudflare/d1/schema';
import type { AppEnv } from '../../adapter/cloudflare/env';
import { Role } from '../../schemas/enums';
import { allowedRoles, knownRole, ROUTE_ROLES } from '../access';

export type AuthVars = { tenantId: string; role: Role };

/** Constant-time comparison of two strings (compares their SHA-256 digests, so lengths leak nothing). */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  return crypto.subtle.timingSafeEqual(x, y);
}

/**
 * The bearer token of a request: `Authorization: Bearer <token>`, or, on a WebSocket upgrade (browsers
 * cannot set headers there), a `bearer.<base64url token>` entry of `Sec-WebSocket-Protocol`.
 */
export function bearerToken(headers: Headers): string | undefined {
  const header = /^Bearer\s+(.+)$/i.exec(headers.get('authorization') ?? '')?.[1]?.trim();
  if (header || headers.get('upgrade')?.toLowerCase() !== 'websocket') return header;
  const entry = (headers.get('sec-websocket-protocol') ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith('bearer.'));
  if (!entry) return undefined;
  const bytes = fromBase64Url(entry.slice('bearer.'.length));
  return bytes ? new TextDecoder().decode(bytes) : undefined;
}

/**
 * The route a request will be answered by: the first matched handler (middleware are `ALL`).
 * @returns `<METHOD> <path>` as registered, or null when no route matches (a 404 follows).
 */
function routeKey(c: Context): { method: string; path: string } | null {
  const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
  return route ? { method: route.method, path: route.path } : null;
}

/**
 * `Authorization: Bearer <token>` (or its WebSocket form, see {@link bearerToken}) (CONTRACT.md "Auth"): `ADMIN_TOKEN` is an admin of the default
 * tenant; other tokens are looked up by SHA-256 in `api_keys`. The key's role must be one of the
 * closed set (`Role`), and the route must allow it in {@link ROUTE_ROLES}; a route without an
 * entry is refused for everyone.
 * @throws {BatonError} 401 without a valid token, 403 when the role is unknown or may not call this route.
 */
export function bearerAuth(): MiddlewareHandler<{ Bindings: AppEnv; Variables: AuthVars }> {
  return async (c, next) => {
    const token = bearerToken(c.req.raw.headers);
    if (!token) throw new BatonError('unauthorized', 'missing bearer token: send Authorization: Bearer <token>');
    let stored: unknown;
    let tenantId = 'default';
    if (c.env.ADMIN_TOKEN && (await sameSecret(token, c.env.ADMIN_TOKEN))) {
      stored = 'admin';
    } else {
      const key = await database(c.env.DB).query.apiKeys.findFirst({
        where: eq(apiKeys.keyHash, await sha256Hex(token)),
      });
      if (!key || key.revokedAt) throw new BatonError('unauthorized', 'invalid bearer token');
      ({ role: stored, tenantId } = key);
    }
    const role = knownRole(stored);
    if (!role) throw new BatonError('forbidden', `this token's role is not one of ${Role.options.join(', ')}`);
    const route = routeKey(c);
    if (route && !allowedRoles(route.method, route.path).includes(role)) {
      throw new BatonError(
        'forbidden',
        allowedRoles(route.method, route.path).length
          ? `the ${role} role may not call ${route.method} ${route.path}`
          : `${route.method} ${route.path} has no access rule, so it is refused`,
      );
    }
    c.set('role', role);
    c.set('tenantId', tenantId);
    await next();
  };
}
