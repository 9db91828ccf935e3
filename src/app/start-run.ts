import type { PinnedAgent, TriggerInfo } from '../core/engine';
import { BatonError } from '../core/errors';
import { MAX_JSON_DEPTH, tooDeepMessage, valueDeeperThan } from '../core/json-depth';
import type { ParentLink, StartRunPorts } from '../ports';
import type { WorkflowDefinition } from '../schemas/definition';
import { DEFAULT_PRIORITY } from '../schemas/enums';
import { resolveInputs } from './inputs';

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
  /** 1 (lowest) to 10, default 5: where the run's attempts wait for a busy agent, higher first. */
  priority?: number;
  /** A definition outside the catalogue (an agent delegation, version 0) instead of a stored version. */
  definition?: WorkflowDefinition;
  /** For a child run: the parent's pinned agents, so the child calls the versions its parent does. */
  agents?: Record<string, PinnedAgent>;
}

/** What became of a start: the run holding the request, whether it is new, why its object did not start. */
export interface StartRunResult {
  runId: string;
  created: boolean;
  startError?: string;
}

/**
 * A sortable run id: time first (ms, base 36), then randomness.
 * @param now epoch ms
 * @param uuid a random UUID (its first 12 hex digits are used)
 */
export function runIdOf(now: number, uuid: string): string {
  return `run_${now.toString(36).padStart(9, '0')}${uuid.replace(/-/g, '').slice(0, 12)}`;
}

/** Levels a trigger adds around the data it carries (`trigger.webhook.body` is two below `trigger`). */
const TRIGGER_ENVELOPE_DEPTH = 2;

/**
 * Records a queued run and starts its RunObject, with the tenant's agents pinned (their current
 * versions, timeouts and retries). Idempotent by `idempotencyKey`. The run record
 * is the commitment: when the object fails to start (`startError`), the run stays queued and the
 * start sweeper (src/triggers/sweep-runs.ts) starts or fails it within a minute.
 * @throws {BatonError} `not_found` for an unknown workflow or version, `bad_request` for invalid
 * input or an input (or trigger data) nested deeper than {@link MAX_JSON_DEPTH} levels.
 */
export async function startRun(
  ports: StartRunPorts,
  tenantId: string,
  request: StartRunRequest,
): Promise<StartRunResult> {
  if (valueDeeperThan(request.input, MAX_JSON_DEPTH))
    throw new BatonError('bad_request', tooDeepMessage('the run input'), { limit: MAX_JSON_DEPTH, path: 'input' });
  if (valueDeeperThan(request.trigger, MAX_JSON_DEPTH + TRIGGER_ENVELOPE_DEPTH))
    throw new BatonError('bad_request', tooDeepMessage(`the ${request.trigger.type} trigger data`), {
      limit: MAX_JSON_DEPTH,
    });
  const wf = request.definition
    ? { name: request.workflow, version: 0, definition: request.definition }
    : await ports.workflows.get(tenantId, request.workflow, request.version);
  if (!wf)
    throw new BatonError(
      'not_found',
      `workflow ${request.workflow}${request.version ? ` version ${request.version}` : ''} does not exist`,
    );
  const resolved = resolveInputs(wf.definition, request.input);
  if ('issues' in resolved)
    throw new BatonError('bad_request', 'the run input does not match the workflow inputs', {
      issues: resolved.issues,
    });
  // Pinned now: changing an agent later never changes this run (its row keeps the map for a repeated start).
  const agents = request.agents ?? (await ports.agents.pinned(tenantId));
  const now = ports.clock.now();
  const { id, created } = await ports.runs.insert(tenantId, {
    id: runIdOf(now, ports.ids.uuid()),
    workflowName: wf.name,
    version: wf.version,
    triggerType: request.trigger.type,
    trigger: request.trigger,
    input: resolved.inputs,
    idempotencyKey: request.idempotencyKey ?? null,
    stepsTotal: 0,
    createdAt: new Date(now).toISOString(),
    parent: request.parent ?? null,
    debug: request.debug ?? false,
    agents,
    priority: request.priority ?? DEFAULT_PRIORITY,
  });
  // start() is idempotent: for a repeated key it is a no-op, unless an earlier start was lost.
  try {
    await ports.runStarter.start({
      tenantId,
      runId: id,
      workflow: wf.name,
      version: wf.version,
      definition: wf.definition,
      inputs: resolved.inputs,
      trigger: request.trigger,
      createdAt: now,
      parent: request.parent,
      debug: request.debug,
      agents,
      priority: request.priority ?? DEFAULT_PRIORITY,
    });
  } catch (err) {
    const startError = err instanceof Error ? err.message : String(err);
    console.error(`run ${id}: the RunObject did not start (${startError}); the sweeper retries`);
    return { runId: id, created, startError };
  }
  return { runId: id, created };
}
