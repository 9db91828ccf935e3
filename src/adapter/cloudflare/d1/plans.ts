import { and, desc, eq, inArray, like, lt, or } from 'drizzle-orm';
import type { PlanRecord, PlanRepository, PlanThread } from '../../../app/plan/ports';
import type { PlanConstraints, PlanEstimate } from '../../../schemas/api/plans';
import type { PlanStatus } from '../../../schemas/enums';
import type { Issue } from '../../../schemas/errors';
import { decodeCursor, encodeCursor, type Database } from './client';
import { messages, plans } from './schema';

type PlanRow = typeof plans.$inferSelect;

/** How many Message-IDs one lookup matches (each is bound twice; D1 refuses over 100 parameters). */
const MAX_IDS = 45;

function recordOf(row: PlanRow): PlanRecord {
  return {
    id: row.id,
    status: row.status,
    task: row.task,
    constraints: (row.constraints as PlanConstraints | null) ?? {},
    planner: row.planner,
    definition: row.definition ?? null,
    problems: (row.problems as Issue[] | null) ?? [],
    estimate: (row.estimate as PlanEstimate | null) ?? null,
    feedback: row.feedback ?? [],
    requester: row.requester,
    thread: (row.thread as PlanThread | null) ?? null,
    workflowName: row.workflowName,
    workflowVersion: row.workflowVersion,
    runId: row.runId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Reads a plan. @returns null when the tenant has none with this id. */
export async function getPlan(db: Database, tenantId: string, id: string): Promise<PlanRecord | null> {
  const row = await db.query.plans.findFirst({ where: and(eq(plans.tenantId, tenantId), eq(plans.id, id)) });
  return row ? recordOf(row) : null;
}

/** Plans newest first, `limit` per page, after `cursor` (see encodeCursor). */
export async function listPlans(
  db: Database,
  tenantId: string,
  filter: { status?: PlanStatus; cursor?: string; limit: number },
): Promise<{ plans: PlanRecord[]; nextCursor: string | null }> {
  const after = decodeCursor(filter.cursor);
  const rows = await db
    .select()
    .from(plans)
    .where(
      and(
        eq(plans.tenantId, tenantId),
        filter.status ? eq(plans.status, filter.status) : undefined,
        after
          ? or(lt(plans.createdAt, after[0]), and(eq(plans.createdAt, after[0]), lt(plans.id, after[1])))
          : undefined,
      ),
    )
    .orderBy(desc(plans.createdAt), desc(plans.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    plans: page.map(recordOf),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** The plan repository of src/app/plan/ports.ts over D1 `plans` (and `messages`, for replies). */
export function d1Plans(db: Database): PlanRepository {
  return {
    async insert(tenantId, plan) {
      await db.insert(plans).values({ ...plan, tenantId });
    },
    async update(tenantId, id, patch, from) {
      const { id: _id, createdAt: _created, ...fields } = patch;
      const rows = await db
        .update(plans)
        .set({ ...fields, updatedAt: patch.updatedAt ?? new Date().toISOString() })
        .where(and(eq(plans.tenantId, tenantId), eq(plans.id, id), inArray(plans.status, [...from])))
        .returning({ id: plans.id });
      return rows.length > 0;
    },
    get: (tenantId, id) => getPlan(db, tenantId, id),
    async findByMessageIds(tenantId, messageIds) {
      const ids = messageIds.slice(0, MAX_IDS);
      if (!ids.length) return null;
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(
          and(
            eq(messages.tenantId, tenantId),
            eq(messages.direction, 'outbound'),
            like(messages.id, 'plan:%'),
            or(inArray(messages.messageId, ids), inArray(messages.deliveredMessageId, ids)),
          ),
        )
        .orderBy(desc(messages.createdAt))
        .limit(1);
      const match = /^plan:([^:]+):(\d+)$/.exec(rows[0]?.id ?? '');
      const plan = match ? await getPlan(db, tenantId, match[1]!) : null;
      return plan ? { plan, round: Number(match![2]) } : null;
    },
  };
}
