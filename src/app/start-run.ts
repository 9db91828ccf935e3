import type { PinnedAgent, TriggerInfo } from '../core/engine';
import { BatonError } from '../core/errors';
import { MAX_JSON_DEPTH, tooDeepMessage, valueDeeperThan } from '../core/json-depth';
import type { FlowControl, ParentLink, StartRunPorts } from '../ports';
import type { WorkflowDefinition } from '../schemas/definition';
import type { Batch, Debounce } from '../schemas/flow';
import { DEFAULT_PRIORITY } from '../schemas/enums';
import { resolveInputs } from './inputs';
import { flowKey } from '../core/flow/keys';
import { type FlowGateStep, flowPlan, holdsOf, placesOf, waitingGates } from '../core/flow/plan';
import type { QueueReason } from '../schemas/flow';

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
  /** The run's id, when it was given out before the start (a `debounce` or `batch` buffer's run). */
  runId?: string;
  /**
   * Set by a `debounce`/`batch` buffer releasing its run: the start is not held again and not
   * counted by `rate_limit` again (each trigger was counted when it came).
   */
  released?: boolean;
}

/** What became of a start: the run holding the request, whether it is new, why its object did not start. */
export interface StartRunResult {
  runId: string;
  created: boolean;
  startError?: string;
  /** The trigger waits in a `debounce`/`batch` buffer: its run (`runId`) starts later with `size` triggers so far. */
  held?: { rule: 'debounce' | 'batch'; size: number };
  /** A `singleton` (mode skip) run is active: nothing started; `runId` is the active run. */
  skipped?: true;
  /** The run is recorded and waits in a flow-control gate (1 = next). */
  queued?: { reason: QueueReason; position: number };
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
 * Flow control (README "Flow control") in this order: `rate_limit` refuses, `debounce`/`batch`
 * hold the trigger in a buffer, `singleton` skips (`skipped`) or cancels the active run, then
 * `concurrency` and `throttle` may leave the run `queued` in a gate that starts it later.
 * @throws {BatonError} `not_found` for an unknown workflow or version, `bad_request` for invalid
 * input or an input (or trigger data) nested deeper than {@link MAX_JSON_DEPTH} levels or a key
 * template that fails, `rate_limited` (details `{ retryAfterMs }`) past the workflow's `rate_limit`,
 * `conflict` for an archived workflow (`DELETE /api/workflows/:name`).
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
  if (wf.archivedAt)
    throw new BatonError(
      'conflict',
      `workflow ${request.workflow} was archived at ${wf.archivedAt}; register it again (PUT /api/workflows/${request.workflow}) to start runs`,
    );
  const resolved = resolveInputs(wf.definition, request.input);
  if ('issues' in resolved)
    throw new BatonError('bad_request', 'the run input does not match the workflow inputs', {
      issues: resolved.issues,
    });
  const now = ports.clock.now();
  const def = wf.definition;
  const priority = request.priority ?? def.priority ?? DEFAULT_PRIORITY;
  const runId = request.runId ?? runIdOf(now, ports.ids.uuid());
  const plan = hasFlow(def)
    ? await flowPlan(def, tenantId, wf.name, (ref) =>
        keyOf(ref.template, request.trigger, resolved.inputs, ref.path, now, ports),
      )
    : [];
  const flow = plan.length ? ports.flow : undefined;
  if (plan.length && !flow) throw new BatonError('internal_error', "the workflow's flow control has no gates here");
  // Counted when the trigger comes, before a buffer holds it; a released buffer run was counted already.
  const rate = plan.find((s) => s.rule === 'rate_limit');
  if (flow && rate && !request.released) {
    const refused = await flow.rateLimit(rate, request.idempotencyKey ?? runId);
    if (refused)
      throw new BatonError(
        'rate_limited',
        `workflow ${wf.name}: rate_limit of ${rate.limit} starts per ${def.rate_limit?.period} reached${rate.key ? ` for key ${rate.key}` : ''}; retry in ${Math.ceil(refused.retryAfterMs / 1000)} s`,
        { retryAfterMs: refused.retryAfterMs },
      );
  }
  // A sub-workflow step's start is a call, not a trigger: its parent waits for it, so it is never held.
  const held = request.released || request.parent ? undefined : heldBy(def);
  if (held) {
    if (!ports.buffer) throw new BatonError('internal_error', `the workflow's ${held.rule} has no trigger buffer here`);
    const key = await keyOf(held.key, request.trigger, resolved.inputs, `${held.rule}.key`, now, ports);
    const { runId, size, duplicate } = await ports.buffer.hold({
      tenantId,
      workflow: wf.name,
      version: wf.version,
      rule: held.rule,
      key,
      trigger: request.trigger,
      input: resolved.inputs,
      priority,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      spec: held.spec,
    });
    // Every new trigger of a burst or batch is accepted into its run; only a trigger held before is a repeat.
    return { runId, created: !duplicate, held: { rule: held.rule, size } };
  }
  const single = plan.find((s) => s.rule === 'singleton');
  const holds = holdsOf(plan);
  const gates = waitingGates(plan);
  const places = placesOf(plan);
  // Pinned now: changing an agent later never changes this run (its row keeps the map for a repeated start).
  const agents = request.agents ?? (await ports.agents.pinned(tenantId));
  // Recorded before any gate hears of it: a repeat (same idempotency key) answers the first run and touches no gate.
  const { id, created } = await ports.runs.insert(tenantId, {
    id: runId,
    workflowName: wf.name,
    version: wf.version,
    triggerType: request.trigger.type,
    trigger: request.trigger,
    input: resolved.inputs,
    // A released buffer's run is started at most once, however often the buffer repeats its release.
    idempotencyKey: request.idempotencyKey ?? (request.runId ? `run:${request.runId}` : null),
    stepsTotal: 0,
    createdAt: new Date(now).toISOString(),
    parent: request.parent ?? null,
    debug: request.debug ?? false,
    agents,
    priority,
    // The start sweeper leaves a run with a reason to its gates (and repairs a lost offer from `flow`).
    queueReason: gates[0]?.rule ?? null,
    flow: places.length ? places : null,
  });
  // A repeated start of a gated run: its gates start it (the sweeper re-offers a lost one).
  if (!created && gates.length) return { runId: id, created };
  if (flow && single && created) {
    const claim = await claimSingleton(ports, flow, single, tenantId, id);
    if (claim) return claim;
  }
  if (flow && gates.length) {
    let admission: Awaited<ReturnType<typeof flow.admit>>;
    try {
      admission = await flow.admit({ tenantId, runId: id, priority, enqueuedAt: now, gates });
    } catch (err) {
      // The run was failed (a full waiting list) or is left to the sweeper: what it took goes back now.
      if (holds.length) await flow.release(holds, id).catch(() => undefined);
      throw err;
    }
    if (!admission.admitted)
      return { runId: id, created, queued: { reason: admission.reason, position: admission.position } };
  }
  // start() is idempotent: for a repeated key it is a no-op, unless an earlier start was lost.
  try {
    await ports.runStarter.start({
      tenantId,
      runId: id,
      workflow: wf.name,
      version: wf.version,
      definition: def,
      inputs: resolved.inputs,
      trigger: request.trigger,
      createdAt: now,
      parent: request.parent,
      debug: request.debug,
      agents,
      priority,
      ...(holds.length ? { flow: holds } : {}),
    });
  } catch (err) {
    const startError = err instanceof Error ? err.message : String(err);
    console.error(`run ${id}: the RunObject did not start (${startError}); the sweeper retries`);
    return { runId: id, created, startError };
  }
  return { runId: id, created };
}

/**
 * Claims the `singleton` for a just-recorded run. @returns the answer when the run does not go on
 * (mode skip and another run is active: the record is discarded), else null (held; in mode cancel
 * the active run is cancelled). A claim that fails discards the record too, so nothing runs unclaimed.
 */
async function claimSingleton(
  ports: StartRunPorts,
  flow: FlowControl,
  gate: Extract<FlowGateStep, { rule: 'singleton' }>,
  tenantId: string,
  runId: string,
): Promise<StartRunResult | null> {
  let claim: Awaited<ReturnType<FlowControl['singleton']>>;
  try {
    claim = await flow.singleton(gate, tenantId, runId);
  } catch (err) {
    await ports.runs.discard(tenantId, runId).catch(() => undefined);
    throw err;
  }
  if (!('skipped' in claim)) return null;
  await ports.runs.discard(tenantId, runId);
  return { runId: claim.skipped, created: false, skipped: true };
}

/** Whether the definition sets a flow-control rule that gates its starts. */
function hasFlow(def: WorkflowDefinition): boolean {
  return !!(def.rate_limit || def.singleton || def.concurrency || def.throttle);
}

/** The rule that holds this workflow's triggers in a buffer, if any (registration allows at most one). */
function heldBy(
  def: WorkflowDefinition,
): { rule: 'debounce'; key?: string; spec: Debounce } | { rule: 'batch'; key?: string; spec: Batch } | undefined {
  if (def.debounce) return { rule: 'debounce', key: def.debounce.key, spec: def.debounce };
  if (def.batch) return { rule: 'batch', key: def.batch.key, spec: def.batch };
  return undefined;
}

/**
 * A flow-control key rendered for this start.
 * @throws {BatonError} `bad_request` naming the key's path when its template fails.
 */
async function keyOf(
  template: string | undefined,
  trigger: TriggerInfo,
  inputs: Record<string, unknown>,
  path: string,
  now: number,
  ports: StartRunPorts,
): Promise<string> {
  try {
    return await flowKey(template, { trigger, inputs }, path, { now, random: () => uuidFraction(ports.ids.uuid()) });
  } catch (err) {
    throw new BatonError('bad_request', `${path}: ${err instanceof Error ? err.message : String(err)}`, { path });
  }
}

/** A number in [0, 1) from a random UUID's first 32 bits. */
function uuidFraction(uuid: string): number {
  return Number.parseInt(uuid.replace(/-/g, '').slice(0, 8), 16) / 2 ** 32;
}
