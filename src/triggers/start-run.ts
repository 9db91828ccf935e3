import type { NewRun, TriggerInfo } from '../core/engine';
import { BatonError } from '../core/errors';
import { MAX_JSON_DEPTH, tooDeepMessage, valueDeeperThan } from '../core/json-depth';
import { database } from '../db/client';
import { insertRun } from '../db/runs';
import { getWorkflowVersion } from '../db/workflows';
import type { AppEnv } from '../env';
import { resolveInputs } from './inputs';

/** A sub-workflow run's link to the parent step that waits for it. */
export interface ParentLink {
  runId: string;
  stepId: string;
  attempt: number;
}

/** What a trigger asks for: "start workflow W (version V) with input I". */
export interface StartRunRequest {
  workflow: string;
  /** Default: the latest version. */
  version?: number;
  input: Record<string, unknown>;
  trigger: TriggerInfo;
  /** Same key → same run: a repeated request starts nothing and answers the first run's id. */
  idempotencyKey?: string;
  /** For a sub-workflow: the parent step its result goes to. */
  parent?: ParentLink;
  /** Debug mode: the run pauses before every step (resume starts one). */
  debug?: boolean;
}

/** A sortable run id: time first (ms, base 36), then randomness. */
export function newRunId(now: number): string {
  return `run_${now.toString(36).padStart(9, '0')}${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** Longest wait for a RunObject to start, ms; past it the start is left to the sweeper. */
export const START_TIMEOUT_MS = 10_000;

/** Levels a trigger adds around the data it carries (`trigger.webhook.body` is two below `trigger`). */
const TRIGGER_ENVELOPE_DEPTH = 2;

/** What a RunObject needs to start a run. */
export type RunStart = NewRun & { tenantId: string; parent?: ParentLink };

/**
 * Starts a run's RunObject (a no-op when it exists), waiting at most {@link START_TIMEOUT_MS}.
 * @throws the object's error, or an Error when it did not answer in time.
 */
export async function startRunObject(env: AppEnv, run: RunStart): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the RunObject did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([env.RUNS.get(env.RUNS.idFromName(run.runId)).start(run), timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Records a queued run in D1 and starts its RunObject. Idempotent by `idempotencyKey`. The D1 row
 * is the commitment: when the object fails to start (`startError`), the run stays queued and the
 * start sweeper (src/triggers/sweep-runs.ts) starts or fails it within a minute.
 * @throws {BatonError} `not_found` for an unknown workflow or version, `bad_request` for invalid
 * input or an input (or trigger data) nested deeper than {@link MAX_JSON_DEPTH} levels.
 */
export async function startRun(env: AppEnv, tenantId: string, request: StartRunRequest): Promise<{ runId: string; created: boolean; startError?: string }> {
  if (valueDeeperThan(request.input, MAX_JSON_DEPTH)) throw new BatonError('bad_request', tooDeepMessage('the run input'), { limit: MAX_JSON_DEPTH, path: 'input' });
  if (valueDeeperThan(request.trigger, MAX_JSON_DEPTH + TRIGGER_ENVELOPE_DEPTH)) throw new BatonError('bad_request', tooDeepMessage(`the ${request.trigger.type} trigger data`), { limit: MAX_JSON_DEPTH });
  const db = database(env.DB);
  const wf = await getWorkflowVersion(db, tenantId, request.workflow, request.version);
  if (!wf) throw new BatonError('not_found', `workflow ${request.workflow}${request.version ? ` version ${request.version}` : ''} does not exist`);
  const resolved = resolveInputs(wf.definition, request.input);
  if ('issues' in resolved) throw new BatonError('bad_request', 'the run input does not match the workflow inputs', { issues: resolved.issues });
  const now = Date.now();
  const runId = newRunId(now);
  const { id, created } = await insertRun(db, tenantId, {
    id: runId, workflowName: wf.name, version: wf.version, triggerType: request.trigger.type, trigger: request.trigger,
    input: resolved.inputs, idempotencyKey: request.idempotencyKey ?? null, stepsTotal: 0,
    createdAt: new Date(now).toISOString(), parent: request.parent ?? null, debug: request.debug ?? false,
  });
  // start() is idempotent: for a repeated key it is a no-op, unless an earlier start was lost.
  try {
    await startRunObject(env, { tenantId, runId: id, workflow: wf.name, version: wf.version, definition: wf.definition, inputs: resolved.inputs, trigger: request.trigger, createdAt: now, parent: request.parent, debug: request.debug });
  } catch (err) {
    const startError = err instanceof Error ? err.message : String(err);
    console.error(`run ${id}: the RunObject did not start (${startError}); the sweeper retries`);
    return { runId: id, created, startError };
  }
  return { runId: id, created };
}
