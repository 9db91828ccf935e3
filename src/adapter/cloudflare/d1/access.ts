import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { BatonError } from '../../../core/errors';
import { toBase64Url, toHex } from '../../../lib/encoding';
import { sha256Hex } from '../../../lib/hash';
import { DEFAULT_TENANT, type Role } from '../../../schemas/enums';
import type { Database } from './client';
import { apiKeys, tenants } from './schema';

/** Prefix of every API key's token, so a leaked one is recognisable (secret scanners, logs). */
export const KEY_PREFIX = 'bat_';

/** A key's `last_used_at` is written at most this often, ms: a busy key costs one D1 write a minute. */
export const LAST_USE_RESOLUTION_MS = 60_000;

type KeyRow = typeof apiKeys.$inferSelect;

/** A key as the API lists it (never its hash). */
export function keyView(row: KeyRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? null,
    lastUsedAt: row.lastUsedAt ?? null,
    revokedAt: row.revokedAt ?? null,
  };
}

/** A new random token: {@link KEY_PREFIX} and 32 random bytes, base64url (43 characters). */
function newToken(): string {
  return KEY_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Creates an API key of `tenantId`; only its SHA-256 is stored.
 * @returns the key as listed, and its token (the one time it is known).
 */
export async function createKey(
  db: Database,
  tenantId: string,
  key: { name: string; role: Role; expiresAt?: string | null },
  now: Date,
) {
  const token = newToken();
  const row: KeyRow = {
    id: `key_${toHex(crypto.getRandomValues(new Uint8Array(8)))}`,
    tenantId,
    name: key.name,
    keyHash: await sha256Hex(token),
    role: key.role,
    createdAt: now.toISOString(),
    revokedAt: null,
    expiresAt: key.expiresAt ? new Date(key.expiresAt).toISOString() : null,
    lastUsedAt: null,
  };
  await db.insert(apiKeys).values(row);
  return { ...keyView(row), token };
}

/** The tenant's keys, newest first (revoked ones included, marked). */
export async function listKeys(db: Database, tenantId: string) {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(desc(apiKeys.createdAt));
  return rows.map(keyView);
}

/**
 * Revokes a key of the tenant at once (its next request answers 401).
 * @throws {BatonError} not_found when the tenant has no such key.
 */
export async function revokeKey(db: Database, tenantId: string, id: string, now: Date): Promise<void> {
  const row = await db.query.apiKeys.findFirst({ where: and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)) });
  if (!row) throw new BatonError('not_found', `no key ${id}`);
  if (row.revokedAt) return;
  await db
    .update(apiKeys)
    .set({ revokedAt: now.toISOString() })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)));
}

/**
 * The key a bearer token names, if it may be used at `now`: not revoked, not expired. Records its
 * use (at most once per {@link LAST_USE_RESOLUTION_MS}).
 * @returns the key, or a reason it is refused (for the 401 message), or null when no key has this token.
 */
export async function keyForToken(
  db: Database,
  token: string,
  now: Date,
): Promise<{ key: KeyRow } | { refused: string } | null> {
  const key = await db.query.apiKeys.findFirst({ where: eq(apiKeys.keyHash, await sha256Hex(token)) });
  if (!key) return null;
  if (key.revokedAt) return { refused: `this key was revoked at ${key.revokedAt}` };
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime())
    return { refused: `this key expired at ${key.expiresAt}` };
  if (!key.lastUsedAt || now.getTime() - Date.parse(key.lastUsedAt) >= LAST_USE_RESOLUTION_MS)
    await db.update(apiKeys).set({ lastUsedAt: now.toISOString() }).where(eq(apiKeys.id, key.id));
  return { key };
}

type TenantRow = typeof tenants.$inferSelect;

/** Days runs, attempts, messages and deliveries are kept when a tenant does not say. */
export const DEFAULT_RETENTION_DAYS = 90;

/** A tenant as the API shows it. */
export function tenantView(row: TenantRow) {
  return {
    id: row.id,
    name: row.name,
    emailDomains: row.emailDomains ?? [],
    retentionDays: row.retentionDays,
    aliasPrefix: row.aliasPrefix ?? null,
    createdAt: row.createdAt,
  };
}

/**
 * Creates a tenant and its first admin key.
 * @throws {BatonError} conflict when another tenant already receives mail for one of `emailDomains`.
 */
export async function createTenant(
  db: Database,
  input: { name: string; emailDomains: string[]; retentionDays?: number; aliasPrefix?: string },
  now: Date,
) {
  if (input.aliasPrefix) await checkAliasPrefix(db, input.aliasPrefix);
  const domains = [...new Set(input.emailDomains.map((d) => d.toLowerCase()))];
  for (const domain of domains) {
    const owner = await tenantForDomain(db, domain);
    if (owner) throw new BatonError('conflict', `email domain ${domain} belongs to tenant ${owner}`);
  }
  const row: TenantRow = {
    id: `t_${toHex(crypto.getRandomValues(new Uint8Array(8)))}`,
    name: input.name,
    emailDomains: domains,
    retentionDays: input.retentionDays ?? DEFAULT_RETENTION_DAYS,
    aliasPrefix: input.aliasPrefix ?? null,
    createdAt: now.toISOString(),
  };
  await db.insert(tenants).values(row);
  const key = await createKey(db, row.id, { name: 'first admin key', role: 'admin' }, now);
  return { tenant: tenantView(row), key };
}

/**
 * Changes a tenant's name or retention. The default tenant has a row only once changed: it is
 * created here (named `default`).
 * @returns the tenant, or null when there is no such tenant.
 */
export async function updateTenant(
  db: Database,
  id: string,
  patch: { name?: string; retentionDays?: number },
  now: Date,
) {
  const set = {
    ...(patch.name ? { name: patch.name } : {}),
    ...(patch.retentionDays ? { retentionDays: patch.retentionDays } : {}),
  };
  if (id === DEFAULT_TENANT)
    await db
      .insert(tenants)
      .values({
        id,
        name: 'default',
        emailDomains: [],
        retentionDays: DEFAULT_RETENTION_DAYS,
        createdAt: now.toISOString(),
        ...set,
      })
      .onConflictDoNothing();
  const [row] = Object.keys(set).length
    ? await db.update(tenants).set(set).where(eq(tenants.id, id)).returning()
    : await db.select().from(tenants).where(eq(tenants.id, id));
  return row ? tenantView(row) : null;
}

/** Every tenant, oldest first. */
export async function listTenants(db: Database) {
  return (await db.select().from(tenants).orderBy(tenants.createdAt)).map(tenantView);
}

/**
 * Refuses an alias prefix that would take another tenant's mail: one that starts, or is the start
 * of, another tenant's prefix, or that an alias already registered starts with.
 * @throws {BatonError} `conflict` naming the clash.
 */
async function checkAliasPrefix(db: Database, prefix: string): Promise<void> {
  const clash = await db.all<{ what: string }>(sql`
    SELECT 'prefix ' || alias_prefix AS what FROM tenants
      WHERE alias_prefix IS NOT NULL AND (substr(${prefix}, 1, length(alias_prefix)) = alias_prefix OR substr(alias_prefix, 1, ${prefix.length}) = ${prefix})
    UNION ALL
    SELECT 'alias ' || key || ' of tenant ' || tenant_id FROM triggers
      WHERE type = 'email' AND substr(key, 1, ${prefix.length}) = ${prefix}
    LIMIT 1`);
  if (clash[0]) throw new BatonError('conflict', `alias prefix ${prefix} clashes with ${clash[0].what}`);
}

/** The tenant whose alias prefix the local part (lower case) starts with, if any. */
export async function tenantForAlias(db: Database, localPart: string): Promise<string | null> {
  const rows = await db.all<{ id: string }>(
    sql`SELECT id FROM tenants WHERE alias_prefix IS NOT NULL AND substr(${localPart}, 1, length(alias_prefix)) = alias_prefix LIMIT 1`,
  );
  return rows[0]?.id ?? null;
}

/** The tenant's alias prefix and every other tenant's (for the registration check of aliases). */
export async function aliasPrefixes(db: Database, tenantId: string): Promise<{ own: string | null; others: string[] }> {
  const rows = await db
    .select({ id: tenants.id, prefix: tenants.aliasPrefix })
    .from(tenants)
    .where(isNotNull(tenants.aliasPrefix));
  return {
    own: rows.find((r) => r.id === tenantId)?.prefix ?? null,
    others: rows.filter((r) => r.id !== tenantId).map((r) => r.prefix!),
  };
}

/** The tenant that receives mail for `domain` (lower case), if any. */
export async function tenantForDomain(db: Database, domain: string): Promise<string | null> {
  const rows = await db.all<{ id: string }>(
    sql`SELECT t.id FROM tenants t, json_each(t.email_domains) d WHERE d.value = ${domain.toLowerCase()} LIMIT 1`,
  );
  return rows[0]?.id ?? null;
}
