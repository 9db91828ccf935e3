import { and, eq } from 'drizzle-orm';
import { BatonError } from '../../../core/errors';
import { open, seal } from '../../../lib/secret-box';
import type { Database } from './client';
import { secrets, signingSecrets } from './schema';

const label = (tenantId: string, name: string) => `${tenantId}:${name}`;

/** Stores a secret encrypted (see src/lib/secret-box). @returns whether it is new. */
export async function putSecret(
  db: Database,
  secretsKey: string,
  tenantId: string,
  name: string,
  value: string,
  hosts: readonly string[] = [],
): Promise<{ created: boolean; updatedAt: string }> {
  const now = new Date().toISOString();
  const existing = await db.query.secrets.findFirst({
    where: and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)),
  });
  const box = await seal(secretsKey, label(tenantId, name), value);
  await db
    .insert(secrets)
    .values({ tenantId, name, ...box, hosts: [...hosts], createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [secrets.tenantId, secrets.name],
      set: { ...box, hosts: [...hosts], updatedAt: now },
    });
  return { created: !existing, updatedAt: now };
}

/**
 * A stored secret's value, for sending to `destination` (an absolute URL): only to a host the
 * secret lists (`PUT /api/secrets/:name { hosts }`).
 * @returns undefined when none is stored under this name.
 * @throws {BatonError} `secret_host_denied` (naming the secret and the host) for any other host;
 *   `secret_unreadable` as {@link storedSecret}.
 */
export async function storedSecretFor(
  db: Database,
  secretsKey: string | undefined,
  tenantId: string,
  name: string,
  destination: string,
): Promise<string | undefined> {
  const row = await db.query.secrets.findFirst({
    where: and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)),
    columns: { hosts: true },
  });
  if (!row) return undefined;
  const host = hostOf(destination);
  if (!host || !(row.hosts ?? []).includes(host))
    throw new BatonError(
      'secret_host_denied',
      `secret ${name} may be sent to ${row.hosts?.length ? row.hosts.join(', ') : 'no host'}, not to ${host ?? destination}; list the host with PUT /api/secrets/${name} { value, hosts }`,
    );
  return storedSecret(db, secretsKey, tenantId, name);
}

/**
 * The workflow whose webhook trigger was registered with the secret `name` (any version, archived
 * or not; see `signing_secrets`), if any: such a secret is never sent anywhere.
 */
export async function webhookSigningUse(db: Database, tenantId: string, name: string): Promise<string | null> {
  const row = await db.query.signingSecrets.findFirst({
    where: and(eq(signingSecrets.tenantId, tenantId), eq(signingSecrets.name, name)),
    columns: { workflowName: true },
  });
  return row?.workflowName ?? null;
}

/** The lower-case host name of an absolute URL, or null. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
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

/** Names, hosts and dates of the stored secrets; never their values. */
export function listSecrets(db: Database, tenantId: string) {
  return db
    .select({ name: secrets.name, hosts: secrets.hosts, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(eq(secrets.tenantId, tenantId))
    .orderBy(secrets.name);
}

/**
 * Deletes a stored secret: agents and webhooks that name it fail from then on, saying it is missing.
 * @throws {BatonError} not_found when the tenant has no such secret.
 */
export async function deleteSecret(db: Database, tenantId: string, name: string): Promise<void> {
  const rows = await db
    .delete(secrets)
    .where(and(eq(secrets.tenantId, tenantId), eq(secrets.name, name)))
    .returning({ name: secrets.name });
  if (!rows.length) throw new BatonError('not_found', `no secret ${name}`);
}
