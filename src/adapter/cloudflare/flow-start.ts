import { delegationDefinition } from '../../core/definition/delegation';
import type { TriggerInfo } from '../../core/engine/index';
import type { GatedRun, RunStarter } from '../../ports';
import { database, type Database } from './d1/client';
import { getRunRow, type RunRow } from './d1/runs';
import { getWorkflowVersion } from './d1/workflows';
import type { AppEnv } from './env';
import { offerFrom, releaseFlow } from './flow-chain';
import { runObjectStarter } from './run/run-starter';

/**
 * Carries a run a gate let through on: through its later gates, then started from its D1 row
 * (a run that left `queued` meanwhile, e.g. cancelled, gives its places back instead).
 * @throws when a gate or the RunObject is unreachable (the caller tries again).
 */
export async function handOn(env: AppEnv, run: GatedRun, from: number): Promise<void> {
  if ((await offerFrom(env, run, from)) !== true) return;
  const db = database(env.DB);
  const row = await getRunRow(db, run.tenantId, run.runId);
  if (!row) return;
  if (row.status !== 'queued') return releaseFlow(env, row.flow ?? [], row.id);
  const problem = await startFromRow(db, runObjectStarter(env.RUNS), row);
  if (problem) throw new Error(problem);
}

/** Repeats a queued run's start from its D1 row. @returns why it cannot start, or null once started. */
export async function startFromRow(db: Database, starter: RunStarter, row: RunRow): Promise<string | null> {
  // An agent delegation (version 0) is not in the catalogue: its definition is rebuilt from its trigger.
  const agent = row.version === 0 ? (row.trigger as { agent?: unknown }).agent : undefined;
  const wf =
    typeof agent === 'string'
      ? { name: row.workflowName, version: 0, definition: delegationDefinition(agent) }
      : await getWorkflowVersion(db, row.tenantId, row.workflowName, row.version);
  if (!wf) return `workflow ${row.workflowName} version ${row.version} does not exist`;
  try {
    await starter.start({
      tenantId: row.tenantId,
      runId: row.id,
      workflow: wf.name,
      version: wf.version,
      definition: wf.definition,
      inputs: row.input as Record<string, unknown>,
      trigger: row.trigger as TriggerInfo,
      createdAt: Date.parse(row.createdAt),
      parent: row.parent ?? undefined,
      debug: row.debug,
      ...(row.agents ? { agents: row.agents } : {}),
      priority: row.priority,
      ...(row.flow?.length ? { flow: row.flow } : {}),
    });
    return null;
  } catch (err) {
    return `the RunObject did not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}
