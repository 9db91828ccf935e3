import { and, count, desc, eq, gt, inArray, isNotNull, like, lt, or, sql } from 'drizzle-orm';
import type { MessageDirection, MessageStatus } from '../../../schemas/enums';
import { decodeCursor, encodeCursor, type Database } from './client';
import { messages } from './schema';

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = Omit<typeof messages.$inferInsert, 'tenantId'>;

/** Records one email in or out. */
export async function recordMessage(db: Database, tenantId: string, message: NewMessage): Promise<void> {
  await db
    .insert(messages)
    .values({ ...message, tenantId })
    .onConflictDoNothing();
}

/**
 * Inbound messages since `since` (ISO 8601) that started or decided something, from one sender
 * (any case) or for one workflow: what the per-sender and per-alias limits count. Scans the
 * `messages_status` index over the window only.
 */
export async function countTaken(
  db: Database,
  tenantId: string,
  by: { from: string } | { workflowName: string },
  since: string,
): Promise<number> {
  const whose =
    'from' in by ? eq(sql`lower(${messages.from})`, by.from.toLowerCase()) : eq(messages.workflowName, by.workflowName);
  const [row] = await db
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.direction, 'inbound'),
        inArray(messages.status, ['accepted', 'skipped']),
        gt(messages.createdAt, since),
        whose,
      ),
    );
  return row?.n ?? 0;
}

/** An earlier inbound message with this Message-ID that was not itself a duplicate. @returns null when none. */
export async function findInbound(db: Database, tenantId: string, messageId: string): Promise<MessageRow | null> {
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.direction, 'inbound'), eq(messages.messageId, messageId)))
    .limit(5);
  return rows.find((r) => r.status !== 'duplicate') ?? null;
}

/** How many Message-IDs one lookup matches (each is bound twice; D1 refuses over 100 parameters). */
const MAX_IDS = 45;

/** Outbound messages whose own or delivered Message-ID is one of `ids` (at most {@link MAX_IDS}). */
const sentWithId = (ids: string[]) => or(inArray(messages.messageId, ids), inArray(messages.deliveredMessageId, ids));

/**
 * The run result Baton sent with one of these Message-IDs (a reply's In-Reply-To/References),
 * Baton's own or the one the `send_email` binding delivered with. @returns null when none.
 */
export async function findRunReply(db: Database, tenantId: string, messageIds: string[]): Promise<MessageRow | null> {
  if (!messageIds.length) return null;
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.direction, 'outbound'),
        sentWithId(messageIds.slice(-MAX_IDS)),
        like(messages.id, 'reply:%'),
      ),
    )
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * The approval email Baton sent with one of these Message-IDs (own or delivered), preferring the
 * first id given (a reply's In-Reply-To before its References). @returns null when none.
 */
export async function findApprovalMail(
  db: Database,
  tenantId: string,
  messageIds: string[],
): Promise<{ approvalId: string; messageId: string | null; deliveredMessageId: string | null } | null> {
  const ids = messageIds.slice(0, MAX_IDS);
  if (!ids.length) return null;
  const rows = await db
    .select({
      approvalId: messages.approvalId,
      messageId: messages.messageId,
      deliveredMessageId: messages.deliveredMessageId,
    })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.direction, 'outbound'),
        sentWithId(ids),
        isNotNull(messages.approvalId),
      ),
    )
    .limit(50);
  const rank = (r: (typeof rows)[number]) =>
    Math.min(...[r.messageId, r.deliveredMessageId].map((id) => (id && ids.includes(id) ? ids.indexOf(id) : Infinity)));
  const best = rows.sort((a, b) => rank(a) - rank(b))[0];
  return best?.approvalId ? { ...best, approvalId: best.approvalId } : null;
}

/** The outbound message whose signed reply address has this token id. @returns null when none. */
export async function findByReplyToken(db: Database, tenantId: string, tokenId: string): Promise<MessageRow | null> {
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.replyToken, tokenId), eq(messages.direction, 'outbound')))
    .limit(1);
  return rows[0] ?? null;
}

/** A recorded message by id. */
export async function getMessage(db: Database, tenantId: string, id: string): Promise<MessageRow | null> {
  return (
    (await db.query.messages.findFirst({ where: and(eq(messages.tenantId, tenantId), eq(messages.id, id)) })) ?? null
  );
}

/** Messages of one run, oldest first. */
export function runMessages(db: Database, tenantId: string, runId: string) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.runId, runId)))
    .orderBy(messages.createdAt, messages.id);
}

/** Every message, newest first, filtered and paginated. */
export async function listMessages(
  db: Database,
  tenantId: string,
  filter: { direction?: MessageDirection; status?: MessageStatus; cursor?: string; limit: number },
) {
  const after = decodeCursor(filter.cursor);
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        filter.direction ? eq(messages.direction, filter.direction) : undefined,
        filter.status ? eq(messages.status, filter.status) : undefined,
        after
          ? or(lt(messages.createdAt, after[0]), and(eq(messages.createdAt, after[0]), lt(messages.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

/** True when Baton itself sent a message with this Message-ID, its own or the delivered one (its own mail come back). */
export async function sentByUs(db: Database, tenantId: string, messageId: string): Promise<boolean> {
  const rows = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.direction, 'outbound'), sentWithId([messageId])))
    .limit(1);
  return rows.length > 0;
}
