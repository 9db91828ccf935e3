import { and, eq } from 'drizzle-orm';
import { open, seal } from '../core/secret-box';
import type { Database } from './client';
import { secrets } from './schema';

const label = (tenantId: string, name: string) => `${tenantId}:${name}`;

/** Stores a secret encrypted (see core/secret-box). @returns whether it is new. */
export async function putSecret(db: Database, secretsKey: string, tenantId: string, name: string, value: string): Promise<{ created: boolean; updatedAt: string }> {
  const now = new Date().toISOString();
  const existing = await db.query.secrets.findFirst({ where: and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)) });
  const box = await seal(secretsKey, label(tenantId, name), value);
  await db.insert(secrets).values({ tenantId, name, ...box, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [secrets.tenantId, secrets.name], set: { ...box, updatedAt: now } });
  return { created: !existing, updatedAt: now };
}

/** A stored secret's value. @returns undefined when none is stored, or it does not decrypt under this key. */
export async function storedSecret(db: Database, secretsKey: string | undefined, tenantId: string, name: string): Promise<string | undefined> {
  if (!secretsKey) return undefined;
  const row = await db.query.secrets.findFirst({ where: and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)) });
  if (!row) return undefined;
  try {
    return await open(secretsKey, label(tenantId, name), row);
  } catch {
    console.error(`secret ${name}: does not decrypt with the current SECRETS_KEY`);
    return undefined;
  }
}

/** Names and dates of the stored secrets; never their values. */
export function listSecrets(db: Database, tenantId: string) {
  return db.select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt }).from(secrets).where(eq(secrets.tenantId, tenantId)).orderBy(secrets.name);
}
