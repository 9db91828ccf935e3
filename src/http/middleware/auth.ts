import type { MiddlewareHandler } from 'hono';
import { eq } from 'drizzle-orm';
import { fromBase64Url } from '../../core/base64url';
import { BatonError } from '../../core/errors';
import { sha256, sha256Hex } from '../../core/hash';
import { database } from '../../db/client';
import { apiKeys } from '../../db/schema';
import type { AppEnv } from '../../env';
import type { Role } from '../../schemas/enums';

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
  const entry = (headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).find((p) => p.startsWith('bearer.'));
  if (!entry) return undefined;
  const bytes = fromBase64Url(entry.slice('bearer.'.length));
  return bytes ? new TextDecoder().decode(bytes) : undefined;
}

/**
 * `Authorization: Bearer <token>` (or its WebSocket form, see {@link bearerToken}) (CONTRACT.md "Auth"): `ADMIN_TOKEN` is an admin of the default
 * tenant; other tokens are looked up by SHA-256 in `api_keys`. Viewers may only read (GET).
 * @throws {BatonError} 401 without a valid token, 403 when the role may not do this.
 */
export function bearerAuth(): MiddlewareHandler<{ Bindings: AppEnv; Variables: AuthVars }> {
  return async (c, next) => {
    const token = bearerToken(c.req.raw.headers);
    if (!token) throw new BatonError('unauthorized', 'missing bearer token: send Authorization: Bearer <token>');
    let role: Role | undefined;
    let tenantId = 'default';
    if (c.env.ADMIN_TOKEN && (await sameSecret(token, c.env.ADMIN_TOKEN))) {
      role = 'admin';
    } else {
      const key = await database(c.env.DB).query.apiKeys.findFirst({ where: eq(apiKeys.keyHash, await sha256Hex(token)) });
      if (key && !key.revokedAt) ({ role, tenantId } = key);
    }
    if (!role) throw new BatonError('unauthorized', 'invalid bearer token');
    if (role === 'viewer' && c.req.method !== 'GET') throw new BatonError('forbidden', 'this token may only read');
    c.set('role', role);
    c.set('tenantId', tenantId);
    await next();
  };
}
