import type { TriggerInfo } from '../core/engine';
import { BatonError } from '../core/errors';
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

/**
 * Records a queued run in D1 and starts its RunObject. Idempotent by `idempotencyKey`.
 * @throws {BatonError} `not_found` for an unknown workflow or version, `bad_request` for invalid input.
 */
export async function startRun(env: AppEnv, tenantId: string, request: StartRunRequest): Promise<{ runId: string; created: boolean }> {
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
    createdAt: new Date(now).toISOString(),
  });
  // start() is idempotent: for a repeated key it is a no-op, unless an earlier start was lost.
  const stub = env.RUNS.get(env.RUNS.idFromName(id));
  await stub.start({ tenantId, runId: id, workflow: wf.name, version: wf.version, definition: wf.definition, inputs: resolved.inputs, trigger: request.trigger, createdAt: now, parent: request.parent, debug: request.debug });
  return { runId: id, created };
}
