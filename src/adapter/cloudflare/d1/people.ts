import { and, asc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import { BatonError } from '../../../core/errors';
import { toBase64Url } from '../../../lib/encoding';
import { sha256Hex } from '../../../lib/hash';
import type { Role } from '../../../schemas/enums';
import type { Database } from './client';
import { members, sessions, signInLinks, tenants } from './schema';

/** How long an emailed sign-in link works, ms (15 minutes). */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;
/** How long a dashboard session lasts after sign-in, ms (7 days). */
export const SESSION_TTL_MS = 7 * 24 * 3_600_000;

type MemberRow = typeof members.$inferSelect;

/** A member as the API shows it. */
export function memberView(row: MemberRow) {
  return { email: row.email, role: row.role, createdAt: row.createdAt };
}

/**
 * Adds a member to a tenant, or changes their role (a member's sessions take the new role at once).
 * @returns the member, and whether it was new.
 */
export async function putMember(db: Database, tenantId: string, input: { email: string; role: Role }, now: Date) {
  const email = input.email.toLowerCase();
  const existing = await db.query.members.findFirst({
    where: and(eq(members.tenantId, tenantId), eq(members.email, email)),
  });
  const row: MemberRow = { tenantId, email, role: input.role, createdAt: existing?.createdAt ?? now.toISOString() };
  await db
    .insert(members)
    .values(row)
    .onConflictDoUpdate({ target: [members.tenantId, members.email], set: { role: input.role } });
  return { member: memberView(row), created: !existing };
}

/** The tenant's members, by email. */
export async function listMembers(db: Database, tenantId: string) {
  const rows = await db.select().from(members).where(eq(members.tenantId, tenantId)).orderBy(asc(members.email));
  return rows.map(memberView);
}

/**
 * Removes a member and ends their sessions at once.
 * @throws {BatonError} not_found when the tenant has no such member.
 */
export async function removeMember(db: Database, tenantId: string, email: string): Promise<void> {
  const address = email.toLowerCase();
  const where = and(eq(members.tenantId, tenantId), eq(members.email, address));
  if (!(await db.query.members.findFirst({ where }))) throw new BatonError('not_found', `no member ${email}`);
  await db.batch([
    db.delete(members).where(where),
    db.delete(sessions).where(and(eq(sessions.tenantId, tenantId), eq(sessions.email, address))),
    db.delete(signInLinks).where(and(eq(signInLinks.tenantId, tenantId), eq(signInLinks.email, address))),
  ]);
}

/** The tenants `email` is a member of, with the tenant's name (for the sign-in mail). */
export async function membershipsOf(db: Database, email: string) {
  return db
    .select({ tenantId: members.tenantId, tenantName: tenants.name, role: members.role })
    .from(members)
    .leftJoin(tenants, eq(tenants.id, members.tenantId))
    .where(eq(members.email, email.toLowerCase()));
}

/** A new sign-in link row for a member: its id is 16 random bytes, base64url. */
export async function createSignInLink(db: Database, tenantId: string, email: string, now: Date) {
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_TTL_MS);
  await db.insert(signInLinks).values({
    id,
    tenantId,
    email: email.toLowerCase(),
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  });
  return { id, expiresAt };
}

/** A sign-in link's row, if it exists (used or not). */
export function getSignInLink(db: Database, id: string) {
  return db.query.signInLinks.findFirst({ where: eq(signInLinks.id, id) });
}

/**
 * Marks a link used, once: of two requests with one link, exactly one gets true.
 * @returns whether this call consumed it (false: used already, or expired by `now`).
 */
export async function consumeSignInLink(db: Database, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(signInLinks)
    .set({ usedAt: now.toISOString() })
    .where(and(eq(signInLinks.id, id), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now.toISOString())))
    .returning({ id: signInLinks.id });
  return rows.length === 1;
}

/**
 * Starts a session for a member; only the SHA-256 of its token is stored.
 * @returns the token (for the cookie) and when it expires.
 */
export async function createSession(db: Database, tenantId: string, email: string, now: Date) {
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.insert(sessions).values({
    id: await sha256Hex(token),
    tenantId,
    email: email.toLowerCase(),
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  });
  return { token, expiresAt };
}

/**
 * The member a session token signs in, with their current role (a changed role applies at once,
 * a removed member's sessions are gone). @returns null when unknown, expired or no longer a member.
 */
export async function memberForSession(
  db: Database,
  token: string,
  now: Date,
): Promise<{ tenantId: string; email: string; role: Role } | null> {
  const rows = await db
    .select({ tenantId: members.tenantId, email: members.email, role: members.role })
    .from(sessions)
    .innerJoin(members, and(eq(members.tenantId, sessions.tenantId), eq(members.email, sessions.email)))
    .where(and(eq(sessions.id, await sha256Hex(token)), gt(sessions.expiresAt, now.toISOString())))
    .limit(1);
  return rows[0] ?? null;
}

/** Ends a session (sign-out). */
export async function endSession(db: Database, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, await sha256Hex(token)));
}

/** Deletes expired sessions, and sign-in links that expired or were used. */
export async function sweepSignIns(db: Database, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.batch([
    db.delete(sessions).where(lt(sessions.expiresAt, at)),
    db.delete(signInLinks).where(or(lt(signInLinks.expiresAt, at), lt(signInLinks.usedAt, at))),
  ]);
}

/** How many sign-in links were made for `email` (any tenant) since `since` (for the per-address limit). */
export async function linksSince(db: Database, email: string, since: Date): Promise<number> {
  const rows = await db
    .select({ id: signInLinks.id })
    .from(signInLinks)
    .where(and(eq(signInLinks.email, email.toLowerCase()), gt(signInLinks.createdAt, since.toISOString())));
  return rows.length;
}
