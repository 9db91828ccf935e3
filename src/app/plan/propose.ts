import { checkAnswer } from '../../lib/structured-output';
import type { PlanConstraints, PlanEstimate } from '../../schemas/api/plans';
import type { WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import { parseAgentRef } from '../../schemas/names';
import { MAX_PLAN_DEFINITION_CHARS, planRuleIssues } from './check';
import { estimatePlan } from './estimate';
import type { PlannerMessage, PlanPorts } from './ports';
import { feedbackPrompt, plannerPrompt, repairPrompt } from './prompt';
import { plannable, type RegistryEntry } from './registry';

/** Repair turns after the first answer (issue 17: up to two). */
export const MAX_REPAIR_TURNS = 2;

/** What planning gave: a valid definition with its estimate, the last invalid one with its problems, or a failure. */
export type Proposal =
  | { status: 'proposed'; definition: WorkflowDefinition; estimate: PlanEstimate; problems: [] }
  | { status: 'invalid'; definition: unknown; estimate: null; problems: Issue[] }
  | { status: 'failed'; definition: null; estimate: null; problems: Issue[] };

/** What one planning round is about. `round` numbers the rounds of a plan (0, then one per feedback). */
export interface PlanningRound {
  planId: string;
  round: number;
  workflowName: string;
  task: string;
  constraints: PlanConstraints;
  planner: string;
  feedback: readonly string[];
  /** The previous proposal, when re-planning with feedback: the model sees it and the newest feedback as a turn. */
  previous?: unknown;
}

/** The opening of a planning conversation: the prompt, and when re-planning the previous proposal and the newest feedback. */
function opening(round: PlanningRound, registry: RegistryEntry[]): PlannerMessage[] {
  const base = { task: round.task, registry, constraints: round.constraints };
  const newest = round.feedback.at(-1);
  if (round.previous === undefined || round.previous === null || newest === undefined)
    return [{ role: 'user', text: plannerPrompt({ ...base, feedback: round.feedback }) }];
  const previous = typeof round.previous === 'string' ? round.previous : JSON.stringify(round.previous);
  return [
    { role: 'user', text: plannerPrompt({ ...base, feedback: round.feedback.slice(0, -1) }) },
    { role: 'assistant', text: previous.slice(0, MAX_PLAN_DEFINITION_CHARS) },
    { role: 'user', text: feedbackPrompt(newest) },
  ];
}

/** The inputs every plan's workflow takes: the task text. */
const PLAN_INPUTS = { task: { type: 'string', required: false, description: 'The task the plan was made for' } };

/**
 * A model's answer as a plan definition: JSON within {@link MAX_PLAN_DEFINITION_CHARS}, an object,
 * named `workflowName`, without triggers (a plan runs when approved), with the `task` input.
 */
function normalised(
  text: string,
  workflowName: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; issues: Issue[] } {
  if (text.length > MAX_PLAN_DEFINITION_CHARS)
    return {
      ok: false,
      issues: [{ path: '', message: `the answer is ${text.length} characters; at most ${MAX_PLAN_DEFINITION_CHARS}` }],
    };
  const parsed = checkAnswer(text, {});
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  const value = parsed.output;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, issues: [{ path: '', message: 'the answer must be a JSON object (a workflow definition)' }] };
  // Only what a plan is made of is kept: who owns it, what it may spend and what starts it are Baton's
  // to set (see approvePlan), not a model's that read untrusted text.
  const { description, vars, steps, output, timeout } = value as Record<string, unknown>;
  const kept = Object.fromEntries(
    Object.entries({ description, vars, steps, output, timeout }).filter(([, v]) => v !== undefined),
  );
  return { ok: true, value: { ...kept, name: workflowName, inputs: PLAN_INPUTS } };
}

/**
 * Asks the planner agent for a workflow (the task, the registry with prices and latencies, the
 * constraints, the feedback; the workflow JSON Schema as the structured output), validates the
 * answer like `POST /api/workflows` and by the plan rules (src/app/plan/check.ts), and gives the
 * problems back for up to {@link MAX_REPAIR_TURNS} repair turns. Never throws for model answers.
 */
export async function proposePlan(
  ports: Pick<PlanPorts, 'planner' | 'workflowsForPlans' | 'registry'>,
  tenantId: string,
  schema: Record<string, unknown>,
  round: PlanningRound,
): Promise<Proposal> {
  const own = parseAgentRef(round.planner).name;
  const registry = plannable((await ports.registry(tenantId)).filter((e) => e.name !== own));
  const messages = opening(round, registry);
  let last: { definition: unknown; problems: Issue[] } = { definition: null, problems: [] };
  for (let turn = 0; turn <= MAX_REPAIR_TURNS; turn++) {
    const key = `plan:${round.planId}:${round.round}:${turn}`;
    const answer = await ports.planner.ask(tenantId, round.planner, messages, schema, key);
    if (!answer.ok)
      return {
        status: 'failed',
        definition: null,
        estimate: null,
        problems: [{ path: 'planner', message: answer.message }],
      };
    messages.push({ role: 'assistant', text: answer.text });
    const shaped = normalised(answer.text, round.workflowName);
    let problems: Issue[];
    if (!shaped.ok) problems = shaped.issues;
    else {
      const checked = await ports.workflowsForPlans.check(tenantId, JSON.stringify(shaped.value));
      if (checked.ok) {
        const estimate = estimatePlan(checked.definition, registry);
        problems = planRuleIssues(checked.definition, round.constraints, estimate);
        if (!problems.length) return { status: 'proposed', definition: checked.definition, estimate, problems: [] };
      } else problems = checked.issues;
    }
    last = { definition: shaped.ok ? shaped.value : answer.text.slice(0, 2_000), problems };
    if (turn < MAX_REPAIR_TURNS) messages.push({ role: 'user', text: repairPrompt(problems) });
  }
  return { status: 'invalid', definition: last.definition, estimate: null, problems: last.problems };
}
