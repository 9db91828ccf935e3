import { BatonError } from '../../core/errors';
import type { TriggerInfo } from '../../core/engine';
import type { PlanConstraints } from '../../schemas/api/plans';
import type { PlanStatus } from '../../schemas/enums';
import { compactWorkflowJsonSchema } from '../../schemas/workflow-json-schema';
import { startRun } from '../start-run';
import { sendPlanMail } from './plan-mail';
import type { PlanPorts, PlanRecord, PlanThread } from './ports';
import { MAX_FEEDBACK_CHARS, MAX_FEEDBACK_ROUNDS } from './prompt';
import { proposePlan } from './propose';

/** A sortable plan id: time first (ms, base 36), then randomness. */
export function planIdOf(now: number, uuid: string): string {
  return `plan_${now.toString(36).padStart(9, '0')}${uuid.replace(/-/g, '').slice(0, 12)}`;
}

/** The workflow an approved plan is saved as: `plan-<last 8 characters of its id>`. */
export function planWorkflowName(planId: string): string {
  return `plan-${planId.slice(-8)}`;
}

/** A new plan request. `requester` and `thread` are set for `plan@` emails. */
export interface NewPlan {
  task: string;
  constraints?: PlanConstraints;
  planner?: string;
  requester?: string;
  thread?: PlanThread;
}

function plannerOf(ports: PlanPorts, asked?: string): string {
  const planner = asked || ports.defaultPlanner;
  if (!planner)
    throw new BatonError('bad_request', 'no planner agent: name one (planner) or set the PLANNER setting', {
      issues: [{ path: 'planner', message: 'required when PLANNER is not set' }],
    });
  return planner;
}

async function proposeRound(ports: PlanPorts, tenantId: string, plan: PlanRecord) {
  return proposePlan(ports, tenantId, compactWorkflowJsonSchema(), {
    planId: plan.id,
    round: plan.feedback.length,
    workflowName: planWorkflowName(plan.id),
    task: plan.task,
    constraints: plan.constraints,
    planner: plan.planner,
    feedback: plan.feedback,
    previous: plan.definition,
  });
}

/**
 * Plans a task: asks the planner (with repairs), stores the plan (`proposed`, `invalid` or
 * `failed`) and, for an email request, emails it in the thread.
 * @throws {BatonError} `bad_request` when no planner is named or configured.
 */
export async function createPlan(ports: PlanPorts, tenantId: string, request: NewPlan): Promise<PlanRecord> {
  const now = ports.clock.now();
  const iso = new Date(now).toISOString();
  const draft: PlanRecord = {
    id: planIdOf(now, ports.ids.uuid()),
    status: 'proposed',
    task: request.task,
    constraints: request.constraints ?? {},
    planner: plannerOf(ports, request.planner),
    definition: null,
    problems: [],
    estimate: null,
    feedback: [],
    requester: request.requester ?? null,
    thread: request.thread ?? null,
    workflowName: null,
    workflowVersion: null,
    runId: null,
    createdAt: iso,
    updatedAt: iso,
  };
  const proposal = await proposeRound(ports, tenantId, draft);
  const plan: PlanRecord = { ...draft, ...proposal, updatedAt: new Date(ports.clock.now()).toISOString() };
  await ports.plans.insert(tenantId, plan);
  const thread = await sendPlanMail(ports.mailer, tenantId, plan);
  if (thread) await ports.plans.update(tenantId, plan.id, { thread }, [plan.status]);
  return { ...plan, thread: thread ?? plan.thread };
}

/** Statuses a plan can be re-planned, approved or rejected from. */
const OPEN: readonly PlanStatus[] = ['proposed', 'invalid', 'failed'];

/**
 * What Baton adds to a plan's definition when it saves it: the requester owns the workflow (decides
 * its budget approvals), and `max_usd` becomes the run's budget (`pause`, asking the requester; `fail`
 * for a plan asked over the API, which has no one to ask), so an estimate that was too low cannot
 * cost more than was allowed.
 */
function guardrails(plan: PlanRecord): Record<string, unknown> {
  const owners = plan.requester ? [plan.requester] : undefined;
  const limit = plan.constraints.max_usd;
  return {
    ...(owners ? { owners } : {}),
    ...(limit !== undefined ? { budget: { usd: limit, on_exceed: owners ? 'pause' : 'fail' } } : {}),
  };
}

async function openPlan(ports: PlanPorts, tenantId: string, id: string): Promise<PlanRecord> {
  const plan = await ports.plans.get(tenantId, id);
  if (!plan) throw new BatonError('not_found', `plan ${id} does not exist`);
  if (!OPEN.includes(plan.status)) throw new BatonError('conflict', `plan ${id} is ${plan.status} already`);
  return plan;
}

/**
 * Plans again with `feedback` (bounded to MAX_FEEDBACK_CHARS, the newest MAX_FEEDBACK_ROUNDS kept):
 * a new proposal under the same id, emailed again for an email plan. `thread` is the reply's.
 * @throws {BatonError} `not_found`, `conflict` (approved or rejected already, or changed meanwhile).
 */
export async function replan(
  ports: PlanPorts,
  tenantId: string,
  id: string,
  feedback: string,
  thread?: PlanThread,
): Promise<PlanRecord> {
  const plan = await openPlan(ports, tenantId, id);
  const next = {
    ...plan,
    feedback: [...plan.feedback, feedback.slice(0, MAX_FEEDBACK_CHARS)].slice(-MAX_FEEDBACK_ROUNDS),
    thread: thread ?? plan.thread,
  };
  const proposal = await proposeRound(ports, tenantId, next);
  const updated: PlanRecord = { ...next, ...proposal, updatedAt: new Date(ports.clock.now()).toISOString() };
  const { id: _id, createdAt: _c, ...patch } = updated;
  if (!(await ports.plans.update(tenantId, id, patch, [plan.status])))
    throw new BatonError('conflict', `plan ${id} changed while it was planned again`);
  const sent = await sendPlanMail(ports.mailer, tenantId, updated);
  if (sent) await ports.plans.update(tenantId, id, { thread: sent }, [updated.status]);
  return { ...updated, thread: sent ?? updated.thread };
}

/**
 * Approves a proposed plan: saves its definition as a workflow version (the registration path)
 * and runs it with input `{ task }`. An email plan runs with the email as its trigger (`thread`,
 * the approving reply's, else the plan's), so the run's result reply lands in the same thread.
 * @throws {BatonError} `not_found`; `conflict` unless the plan is `proposed`; what registration throws.
 */
export async function approvePlan(
  ports: PlanPorts,
  tenantId: string,
  id: string,
  thread?: PlanThread,
): Promise<PlanRecord> {
  const found = await ports.plans.get(tenantId, id);
  // An approval that was cut short (the process died after marking it approved) goes on: saving the
  // same definition and starting with the plan's idempotency key are both idempotent.
  const resumed = found?.status === 'approved' && found.runId === null;
  const plan = resumed ? found : await openPlan(ports, tenantId, id);
  if (plan.status !== 'proposed' && !resumed)
    throw new BatonError(
      'conflict',
      `plan ${id} is ${plan.status}: only a proposed plan can be approved (reply with feedback to plan again)`,
    );
  const at = new Date(ports.clock.now()).toISOString();
  const on = thread ?? plan.thread;
  if (
    !resumed &&
    !(await ports.plans.update(tenantId, id, { status: 'approved', thread: on, updatedAt: at }, ['proposed']))
  )
    throw new BatonError('conflict', `plan ${id} was decided meanwhile`);
  try {
    const name = planWorkflowName(id);
    const definition = { ...(plan.definition as Record<string, unknown>), ...guardrails(plan) };
    const saved = await ports.workflowsForPlans.register(tenantId, JSON.stringify(definition), name);
    const trigger: TriggerInfo =
      on && plan.requester
        ? {
            type: 'email',
            email: {
              from: plan.requester,
              to: on.address,
              subject: on.subject,
              text: plan.task,
              html: '',
              messageId: on.messageId,
              references: on.references,
              attachments: [],
            },
          }
        : { type: 'api', plan: id };
    const { runId } = await startRun(ports, tenantId, {
      workflow: saved.name,
      version: saved.version,
      input: { task: plan.task },
      trigger,
      idempotencyKey: `plan:${id}`,
    });
    const patch = { workflowName: saved.name, workflowVersion: saved.version, runId };
    await ports.plans.update(tenantId, id, patch, ['approved']);
    return { ...plan, ...patch, status: 'approved', thread: on, updatedAt: at };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await ports.plans.update(tenantId, id, { status: 'failed', problems: [{ path: 'approve', message }] }, [
      'approved',
    ]);
    throw err;
  }
}

/** Rejects an open plan. @throws {BatonError} `not_found`, `conflict` (approved or rejected already). */
export async function rejectPlan(ports: PlanPorts, tenantId: string, id: string): Promise<PlanRecord> {
  const plan = await openPlan(ports, tenantId, id);
  const at = new Date(ports.clock.now()).toISOString();
  if (!(await ports.plans.update(tenantId, id, { status: 'rejected', updatedAt: at }, [plan.status])))
    throw new BatonError('conflict', `plan ${id} was decided meanwhile`);
  return { ...plan, status: 'rejected', updatedAt: at };
}
