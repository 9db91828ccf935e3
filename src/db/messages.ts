import { and, desc, eq, inArray, like, lt, or } from 'drizzle-orm';
import type { MessageDirection, MessageStatus } from '../schemas/enums';
import { decodeCursor, encodeCursor, type Database } from './client';
import { messages } from './schema';

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = Omit<typeof messages.$inferInsert, 'tenantId'>;

/** Records one email in or out. */
export async function recordMessage(db: Database, tenantId: string, message: NewMessage): Promise<void> {
  await db.insert(messages).values({ ...message, tenantId }).onConflictDoNothing();
}

/** An earlier inbound message with this Message-ID that was not itself a duplicate. @returns null when none. */
export async function findInbound(db: Database, tenantId: string, messageId: string): Promise<MessageRow | null> {
  const rows = await db.select().from(messages).where(and(
    eq(messages.tenantId, tenantId), eq(messages.direction, 'inbound'), eq(messages.messageId, messageId),
  )).limit(5);
  return rows.find((r) => r.status !== 'duplicate') ?? null;
}

/** The run result Baton sent with one of these Message-IDs (a reply's In-Reply-To/References). @returns null when none. */
export async function findRunReply(db: Database, tenantId: string, messageIds: string[]): Promise<MessageRow | null> {
  if (!messageIds.length) return null;
  const rows = await db.select().from(messages).where(and(
    eq(messages.tenantId, tenantId), eq(messages.direction, 'outbound'), inArray(messages.messageId, messageIds.slice(-50)), like(messages.id, 'reply:%'),
  )).orderBy(desc(messages.createdAt)).limit(1);
  return rows[0] ?? null;
}

/** A recorded message by id. */
export async function getMessage(db: Database, tenantId: string, id: string): Promise<MessageRow | null> {
  return (await db.query.messages.findFirst({ where: and(eq(messages.tenantId, tenantId), eq(messages.id, id)) })) ?? null;
}

/** Messages of one run, oldest first. */
export function runMessages(db: Database, tenantId: string, runId: string) {
  return db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.runId, runId))).orderBy(messages.createdAt, messages.id);
}

/** Every message, newest first, filtered and paginated. */
export async function listMessages(db: Database, tenantId: string, filter: { direction?: MessageDirection; status?: MessageStatus; cursor?: string; limit: number }) {
  const after = decodeCursor(filter.cursor);
  const rows = await db.select().from(messages).where(and(
    eq(messages.tenantId, tenantId),
    filter.direction ? eq(messages.direction, filter.direction) : undefined,
    filter.status ? eq(messages.status, filter.status) : undefined,
    after ? or(lt(messages.createdAt, after[0]), and(eq(messages.createdAt, after[0]), lt(messages.id, after[1]))) : undefined,
  )).orderBy(desc(messages.createdAt), desc(messages.id)).limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}


/** True when Baton itself sent a message with this Message-ID (its own mail come back). */
export async function sentByUs(db: Database, tenantId: string, messageId: string): Promise<boolean> {
  const rows = await db.select({ id: messages.id }).from(messages).where(and(
    eq(messages.tenantId, tenantId), eq(messages.direction, 'outbound'), eq(messages.messageId, messageId),
  )).limit(1);
  return rows.length > 0;
}
