import { buildPlan } from '../../core/definition';
import type { Mailer } from '../../ports';
import type { WorkflowDefinition } from '../../schemas/definition';
import { replySubject } from '../mail/compose-reply';
import type { PlanRecord } from './ports';

/** `1.2 s`, `850 ms`. */
function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `$0.0125`; `unknown` for null. */
export function usd(value: number | null): string {
  return value === null ? 'unknown' : `$${value.toFixed(4)}`;
}

/** Longest step input shown in a plan email, characters. */
const MAX_INPUT_SHOWN = 200;

/** What each agent step is asked (its `input`, as written), by step id. */
function inputsOf(definition: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!definition || typeof definition !== 'object') return out;
  for (const node of buildPlan(definition as WorkflowDefinition).plan.nodes) {
    if (!('agent' in node.step) || node.step.input === undefined) continue;
    const input = typeof node.step.input === 'string' ? node.step.input : JSON.stringify(node.step.input);
    out.set(node.id, input.length > MAX_INPUT_SHOWN ? `${input.slice(0, MAX_INPUT_SHOWN)}…` : input);
  }
  return out;
}

/** How to answer a plan email. */
const HOW_TO_ANSWER =
  'Reply "approve" on the first line to run it, "reject" to drop it, or reply with what to change and Baton plans again.';

/**
 * The text of a plan email: the steps with their agents, estimated durations and costs, the
 * critical path and the totals; or the problems of a plan that did not validate, or why planning
 * failed. Ends with how to answer.
 */
export function planMailText(plan: PlanRecord): string {
  const head = `Plan ${plan.id} for your request:\n${plan.task.slice(0, 500)}${plan.task.length > 500 ? '…' : ''}\n`;
  if (plan.status === 'failed')
    return `${head}\nBaton could not plan it: ${plan.problems[0]?.message ?? 'the planner did not answer'}.\n\nReply with more detail to try again, or "reject" to drop it.`;
  if (plan.status === 'invalid' || !plan.estimate)
    return [
      head,
      'The planner did not produce a valid workflow. Problems:',
      ...plan.problems.slice(0, 20).map((p) => `- ${p.path || '(answer)'}: ${p.message}`),
      '',
      'Reply with more detail to try again, or "reject" to drop it.',
    ].join('\n');
  const e = plan.estimate;
  const inputs = inputsOf(plan.definition);
  const steps = e.steps.map((s, i) => {
    const line = `${i + 1}. ${s.id} (${s.agent ?? s.kind})${s.needs.length ? ` after ${s.needs.join(', ')}` : ''} · ~${seconds(s.estimateMs)} · ${usd(s.costUsd)}`;
    const input = inputs.get(s.id);
    return input === undefined ? line : `${line}\n   input: ${JSON.stringify(input)}`;
  });
  return [
    head,
    'Steps:',
    ...steps,
    '',
    `Critical path: ${e.criticalPath.join(' → ') || '(none)'} · ~${seconds(e.durationMs)}`,
    `Estimated cost: ${usd(e.costUsd)} per run${e.costUnknown.length ? ` (unknown for ${e.costUnknown.join(', ')})` : ''}`,
    '',
    HOW_TO_ANSWER,
  ].join('\n');
}

/**
 * Emails the plan to its requester in the request's thread (Re: subject, In-Reply-To and
 * References of the newest inbound message), recorded as `plan:<id>:<n>` (the replies are matched
 * to the plan by that record's Message-ID). A plan not asked for by email gets nothing.
 * @returns the thread with the sent count raised, or null when nothing was sent.
 */
export async function sendPlanMail(mailer: Mailer, tenantId: string, plan: PlanRecord, text = planMailText(plan)) {
  const thread = plan.thread;
  if (!thread || !plan.requester) return null;
  const sent = thread.sent + 1;
  await mailer.sendNote(tenantId, {
    dedupeId: `plan:${plan.id}:${sent}`,
    runId: null,
    workflow: null,
    from: thread.address,
    to: plan.requester,
    subject: replySubject(thread.subject),
    thread: { messageId: thread.messageId, references: thread.references },
    text,
  });
  return { ...thread, sent };
}
