import { and, eq } from 'drizzle-orm';
import { BatonError } from '../../../core/errors';
import { open, seal } from '../../../lib/secret-box';
import type { Database } from './client';
import { secrets } from './schema';

const label = (tenantId: string, name: string) => `${tenantId}:${name}`;

/** Stores a secret encrypted (see src/lib/secret-box). @returns whether it is new. */
export async function putSecret(
  db: Database,
  secretsKey: string,
  tenantId: string,
  name: string,
  value: string,
): Promise<{ created: boolean; updatedAt: string }> {
  const now = new Date().toISOString();
  const existing = await db.query.secrets.findFirst({
    where: and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)),
  });
  const box = await seal(secretsKey, label(tenantId, name), value);
  await db
    .insert(secrets)
    .values({ tenantId, name, ...box, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [secrets.tenantId, secrets.name], set: { ...box, updatedAt: now } });
  return { created: !existing, updatedAt: now };
}

/**
 * A stored secret's value.
 * @returns undefined when none is stored under this name.
 * @throws {BatonError} `secret_unreadable` (naming the secret, never its value) when one is stored
 *   but does not decrypt: SECRETS_KEY is unset or changed, or the row was altered.
 */
export async function storedSecret(
  db: Database,
  secretsKey: string | undefined,
  tenantId: string,
  name: string,
): Promise<string | undefined> {
  const row = await db.query.secrets.findFirst({ where: and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)) });
  if (!row) return undefined;
  if (!secretsKey) throw unreadable(name, 'SECRETS_KEY is not set');
  try {
    return await open(secretsKey, label(tenantId, name), row);
  } catch {
    throw unreadable(name, 'it does not decrypt with the current SECRETS_KEY');
  }
}

function unreadable(name: string, why: string): BatonError {
  return new BatonError(
    'secret_unreadable',
    `secret ${name} is stored but cannot be read: ${why}; store it again with PUT /api/secrets/${name}`,
  );
}

/** Names and dates of the stored secrets; never their values. */
export function listSecrets(db: Database, tenantId: string) {
  return db
    .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(eq(secrets.tenantId, tenantId))
    .orderBy(secrets.name);
}
