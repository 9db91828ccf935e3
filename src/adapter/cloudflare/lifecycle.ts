import { and, eq, inArray, isNull } from 'drizzle-orm';
import { BatonError } from '../../core/errors';
import { DEFAULT_TENANT } from '../../schemas/enums';
import type { FlowHold } from '../../schemas/flow';
import { agentNames } from './d1/agents';
import { database } from './d1/client';
import {
  deleteOldUnlinked,
  deleteRunRows,
  deleteTenantRows,
  expiredRunIds,
  IDS_PER_STATEMENT,
  retentions,
  runIdsAfter,
} from './d1/lifecycle';
import { apiKeys, runs, sessions, signInLinks, tenants, triggers, workflows } from './d1/schema';
import { circuitOf, slotsOf, type AppEnv } from './env';

/** A day, ms. */
const DAY_MS = 86_400_000;
/** RunObjects purged at once (each purge is one RPC; see DESIGN.md on the six connections). */
const PURGE_PARALLEL = 6;

/** Runs `fn` over `items`, at most `PURGE_PARALLEL` at a time. */
async function inChunks<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += PURGE_PARALLEL) await Promise.all(items.slice(i, i + PURGE_PARALLEL).map(fn));
}

const runObject = (env: AppEnv, runId: string) => env.RUNS.get(env.RUNS.idFromName(runId));

/**
 * The retention sweep (the daily cron): for every tenant, ended runs created more than its
 * `retention_days` before `now` (ms) are deleted with their attempts, approvals, messages and
 * deliveries, and their RunObject storage; messages and deliveries of no run are deleted by the
 * same age. At most `maxRuns` runs per call: the rest go on the next call.
 * @returns how many runs were deleted.
 */
export async function sweepRetention(env: AppEnv, now: number, maxRuns = 500): Promise<number> {
  const db = database(env.DB);
  let deleted = 0;
  for (const { id, days } of await retentions(db)) {
    const cutoff = new Date(now - days * DAY_MS).toISOString();
    const ids = deleted < maxRuns ? await expiredRunIds(db, id, cutoff, maxRuns - deleted) : [];
    const purged: string[] = [];
    await inChunks(ids, async (runId) => {
      if (await runObject(env, runId).purge()) purged.push(runId);
    });
    await deleteRunRows(db, id, purged);
    await deleteOldUnlinked(db, id, cutoff);
    deleted += purged.length;
  }
  return deleted;
}

/**
 * Deletes a tenant (`DELETE /api/tenants/:id`). First nothing new gets in (its keys, sessions,
 * email domains, alias prefix and triggers go, its workflows are archived); then the storage of its RunObjects,
 * of its agents' circuit and slot objects and of the flow-control gates its runs held places in;
 * then every D1 row with its id and the tenant itself.
 * @throws {BatonError} `not_found` for an unknown tenant, `conflict` for the default tenant.
 */
export async function deleteTenant(env: AppEnv, tenantId: string): Promise<void> {
  if (tenantId === DEFAULT_TENANT) throw new BatonError('conflict', 'the default tenant cannot be deleted');
  const db = database(env.DB);
  const [tenant] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw new BatonError('not_found', `tenant ${tenantId} does not exist`);
  // First nothing new gets in: keys and sessions end, mail and schedules stop, webhooks are refused.
  await db.batch([
    db.delete(apiKeys).where(eq(apiKeys.tenantId, tenantId)),
    db.delete(sessions).where(eq(sessions.tenantId, tenantId)),
    db.delete(signInLinks).where(eq(signInLinks.tenantId, tenantId)),
    db.delete(triggers).where(eq(triggers.tenantId, tenantId)),
    db.update(tenants).set({ emailDomains: [], aliasPrefix: null }).where(eq(tenants.id, tenantId)),
    db
      .update(workflows)
      .set({ archivedAt: new Date().toISOString() })
      .where(and(eq(workflows.tenantId, tenantId), isNull(workflows.archivedAt))),
  ]);
  const gates = new Set<string>();
  for (let after = ''; ; ) {
    const page = await runIdsAfter(db, tenantId, after, IDS_PER_STATEMENT);
    if (!page.length) break;
    const holds = await db.select({ flow: runs.flow }).from(runs).where(inArray(runs.id, page));
    for (const row of holds) for (const hold of (row.flow ?? []) as FlowHold[]) gates.add(hold.object);
    await inChunks(page, (runId) => runObject(env, runId).purge(true));
    after = page.at(-1)!;
  }
  const agents = [...(await agentNames(db, tenantId))];
  await inChunks(agents, (agent) =>
    Promise.all([circuitOf(env, tenantId, agent).purge(), slotsOf(env, tenantId, agent).purge()]),
  );
  await inChunks([...gates], (name) => env.FLOW_GATES.get(env.FLOW_GATES.idFromName(name)).purge());
  await deleteTenantRows(db, tenantId);
}
