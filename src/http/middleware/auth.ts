import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { fromBase64Url } from '../../lib/encoding';
import { BatonError } from '../../core/errors';
import { sha256 } from '../../lib/hash';
import { database } from '../../adapter/cloudflare/d1/client';
import { keyForToken } from '../../adapter/cloudflare/d1/access';
import { memberForSession } from '../../adapter/cloudflare/d1/people';
import { publicUrl } from '../../adapter/cloudflare/env';
import { sessionToken } from '../sign-in';
import type { AppEnv } from '../../adapter/cloudflare/env';
import { Role } from '../../schemas/enums';
import { allowedRoles, DEPLOYMENT_ROUTES, knownRole, ROUTE_ROLES } from '../access';

/** Who made a request: the deployment's ADMIN_TOKEN, an API key (by id and name), or a signed-in member (by email). */
export type Actor =
  | { type: 'deployment'; name: 'ADMIN_TOKEN' }
  | { type: 'key'; id: string; name: string }
  | { type: 'person'; email: string };

export type AuthVars = { tenantId: string; role: Role; actor: Actor };

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
 * `Authorization: Bearer <token>` (or its WebSocket form, see {@link bearerToken}) (CONTRACT.md "Auth"):
 * `ADMIN_TOKEN` is the deployment's admin (of the default tenant, and the only caller of the
 * {@link DEPLOYMENT_ROUTES}); other tokens are API keys, looked up by SHA-256 in `api_keys`, refused
 * once revoked or expired. Without a token, the dashboard's session cookie of a signed-in member
 * (see {@link sessionCaller}). The key's role must be one of the
 * closed set (`Role`), and the route must allow it in {@link ROUTE_ROLES}; a route without an
 * entry is refused for everyone.
 * @throws {BatonError} 401 without a valid token (unknown, revoked, expired), 403 when the role is unknown or may not call this route.
 */
export function bearerAuth(): MiddlewareHandler<{ Bindings: AppEnv; Variables: AuthVars }> {
  return async (c, next) => {
    const token = bearerToken(c.req.raw.headers);
    const caller = token ? await tokenCaller(c, token) : await sessionCaller(c);
    const role = knownRole(caller.stored);
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
    if (route && DEPLOYMENT_ROUTES.has(`${route.method} ${route.path}`) && caller.actor.type !== 'deployment')
      throw new BatonError('forbidden', `${route.method} ${route.path} is for the deployment's ADMIN_TOKEN only`);
    c.set('role', role);
    c.set('tenantId', caller.tenantId);
    c.set('actor', caller.actor);
    await next();
  };
}

type Caller = { stored: unknown; tenantId: string; actor: Actor };

/** The caller a bearer token names: `ADMIN_TOKEN`, or an API key. @throws {BatonError} 401 when neither. */
async function tokenCaller(c: Context<{ Bindings: AppEnv; Variables: AuthVars }>, token: string): Promise<Caller> {
  if (c.env.ADMIN_TOKEN && (await sameSecret(token, c.env.ADMIN_TOKEN)))
    return { stored: 'admin', tenantId: 'default', actor: { type: 'deployment', name: 'ADMIN_TOKEN' } };
  const found = await keyForToken(database(c.env.DB), token, new Date());
  if (!found) throw new BatonError('unauthorized', 'invalid bearer token');
  if ('refused' in found) throw new BatonError('unauthorized', found.refused);
  const { key } = found;
  return { stored: key.role, tenantId: key.tenantId, actor: { type: 'key', id: key.id, name: key.name } };
}

/**
 * The member a session cookie signs in (see sign-in.ts). Cookie-borne requests that change
 * something, and WebSocket upgrades, must come from the dashboard's own origin (`Origin` header),
 * on top of `SameSite=Lax`: a page elsewhere cannot act with a member's session.
 * @throws {BatonError} 401 without a live session, 403 from another origin.
 */
async function sessionCaller(c: Context<{ Bindings: AppEnv; Variables: AuthVars }>): Promise<Caller> {
  const token = sessionToken(c);
  if (!token) throw new BatonError('unauthorized', 'missing bearer token: send Authorization: Bearer <token>');
  const member = await memberForSession(database(c.env.DB), token, new Date());
  if (!member) throw new BatonError('unauthorized', 'this session ended or expired: sign in again');
  const upgrade = c.req.header('upgrade')?.toLowerCase() === 'websocket';
  if (upgrade || !['GET', 'HEAD'].includes(c.req.method)) {
    const origin = c.req.header('origin');
    const own = new Set([new URL(c.req.url).origin, new URL(publicUrl(c.env)).origin]);
    if (!origin || !own.has(origin))
      throw new BatonError(
        'forbidden',
        `a signed-in session acts only from this dashboard's origin (Origin: ${origin ?? 'none'})`,
      );
  }
  return { stored: member.role, tenantId: member.tenantId, actor: { type: 'person', email: member.email } };
}
