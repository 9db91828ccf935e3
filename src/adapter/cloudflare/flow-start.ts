import { judgeDefinition } from '../../core/evaluation';
import { delegationDefinition } from '../../core/definition/delegation';
import type { TriggerInfo } from '../../core/engine/index';
import type { GatedRun, RunStarter, StoredWorkflow } from '../../ports';
import { database, type Database } from './d1/client';
import { failQueuedRun, getRunRow, type RunRow } from './d1/runs';
import { getWorkflowVersion } from './d1/workflows';
import type { AppEnv } from './env';
import { offerFrom, releaseFlow, tellParent } from './flow-chain';
import { runObjectStarter } from './run/run-starter';

/** A gated run's start that failed: `permanent` when trying again cannot help (its workflow version is gone). */
export class GatedStartError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'GatedStartError';
  }
}

/**
 * Carries a run a gate let through on: through its later gates, then started from its D1 row
 * (a run that left `queued` meanwhile, e.g. cancelled, gives its places back instead).
 * @throws {GatedStartError} when the start failed (`permanent` when it never can succeed); any
 * other error when a gate or D1 is unreachable (the caller tries again).
 */
export async function handOn(env: AppEnv, run: GatedRun, from: number): Promise<void> {
  if ((await offerFrom(env, run, from)) !== true) return;
  const db = database(env.DB);
  const row = await getRunRow(db, run.tenantId, run.runId);
  if (!row) return;
  if (row.status !== 'queued') return releaseFlow(env, row.flow ?? [], row.id);
  const wf = await definitionOfRow(db, row);
  if (!wf) throw new GatedStartError(`workflow ${row.workflowName} version ${row.version} does not exist`, true);
  const problem = await startWith(runObjectStarter(env.RUNS), row, wf);
  if (problem) throw new GatedStartError(problem, false);
}

/**
 * Ends a gated run that cannot start: `failed` with `start_failed`, its places given back, its
 * parent step told. @throws when D1 or a gate is unreachable (the caller tries again).
 */
export async function failGatedRun(env: AppEnv, tenantId: string, runId: string, problem: string): Promise<void> {
  const db = database(env.DB);
  const row = await getRunRow(db, tenantId, runId);
  if (!row) return;
  const failed = await failQueuedRun(db, runId, { code: 'start_failed', message: problem }, new Date().toISOString());
  await releaseFlow(env, row.flow ?? [], runId);
  if (failed) await tellParent(env.RUNS, row, { code: 'start_failed', message: problem });
}

/** Repeats a queued run's start from its D1 row. @returns why it cannot start, or null once started. */
export async function startFromRow(db: Database, starter: RunStarter, row: RunRow): Promise<string | null> {
  const wf = await definitionOfRow(db, row);
  if (!wf) return `workflow ${row.workflowName} version ${row.version} does not exist`;
  return startWith(starter, row, wf);
}

/** The definition a recorded run starts from. @returns null when its workflow version is gone. */
export async function definitionOfRow(db: Database, row: RunRow): Promise<StoredWorkflow | null> {
  // An agent delegation or a judge (version 0) is not in the catalogue: its definition is rebuilt from its trigger.
  const trigger = row.trigger as {
    agent?: unknown;
    evaluates?: { judge?: { name: string; agent: string; rubric: string } };
  };
  const agent = row.version === 0 ? trigger.agent : undefined;
  const judge = row.version === 0 ? trigger.evaluates?.judge : undefined;
  if (judge) return { name: row.workflowName, version: 0, definition: judgeDefinition(judge) };
  return typeof agent === 'string'
    ? { name: row.workflowName, version: 0, definition: delegationDefinition(agent) }
    : await getWorkflowVersion(db, row.tenantId, row.workflowName, row.version);
}

async function startWith(starter: RunStarter, row: RunRow, wf: StoredWorkflow): Promise<string | null> {
  // Its RunObject releases only what it holds until it ends (the throttle it passed holds nothing).
  const flow = row.flow?.filter((h) => h.rule !== 'throttle');
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
      ...(flow?.length ? { flow } : {}),
    });
    return null;
  } catch (err) {
    return `the RunObject did not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}
