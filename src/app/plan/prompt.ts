import { DEFAULT_MAX_PLAN_STEPS, type PlanConstraints } from '../../schemas/api/plans';
import type { Issue } from '../../schemas/errors';
import { PLAN_STEP_KINDS } from './check';
import type { RegistryEntry } from './registry';

/** Longest feedback text taken from a reply, characters. */
export const MAX_FEEDBACK_CHARS = 2_000;
/** Most feedback texts a plan keeps (the newest). */
export const MAX_FEEDBACK_ROUNDS = 10;
/** Most problems given back in one repair turn. */
export const MAX_REPAIR_ISSUES = 20;

/** The registry as the planner reads it: one JSON line per agent. */
export function registryLines(registry: readonly RegistryEntry[]): string {
  return registry
    .map((e) =>
      JSON.stringify({
        name: e.name,
        status: e.status,
        ...(e.description ? { description: e.description.slice(0, 300) } : {}),
        skills: e.skills,
        ...(e.domain ? { domain: e.domain } : {}),
        ...(e.pricing ? { pricing_usd: e.pricing } : {}),
        p50_latency_ms: e.p50Ms,
        ...(e.costPerCallUsd !== null ? { mean_cost_usd: e.costPerCallUsd } : {}),
      }),
    )
    .join('\n');
}

/**
 * The first user message of a planning conversation: the rules, the registry, the constraints,
 * the task and the feedback so far. The task and feedback are quoted as data (JSON strings), so
 * their text cannot pass for the instructions around them.
 */
export function plannerPrompt(input: {
  task: string;
  registry: readonly RegistryEntry[];
  constraints: PlanConstraints;
  feedback: readonly string[];
}): string {
  const { max_usd, max_steps = DEFAULT_MAX_PLAN_STEPS } = input.constraints;
  return [
    'You plan Baton workflows. Answer with one workflow definition as JSON (it must match the JSON Schema of the response format), nothing else.',
    'Rules:',
    `- Use only the agents listed below, by name (agent: <name>) or by skill (agent: { skill: <skill>, prefer: cheapest | fastest | most_reliable }).`,
    `- Use only these step kinds: ${[...PLAN_STEP_KINDS].join(', ')}. No triggers.`,
    `- At most ${max_steps} steps in all (blocks and their children count).${max_usd !== undefined ? ` The estimated cost must stay at or below ${max_usd} USD per run.` : ''}`,
    '- Each step has an id (lower-case letters, digits, - and _); a step input may use {{ inputs.task }} (the task text) and {{ <stepId>.output }} of an earlier step.',
    '- Set output to the final result, e.g. "{{ draft.output }}".',
    '',
    'Agents (one JSON object per line):',
    registryLines(input.registry) || '(none registered)',
    '',
    `Task (JSON string): ${JSON.stringify(input.task)}`,
    ...(input.feedback.length
      ? [
          '',
          'Feedback on earlier proposals, oldest first (JSON strings):',
          ...input.feedback.map((f) => JSON.stringify(f)),
        ]
      : []),
  ].join('\n');
}

/** A repair turn: the problems of the last answer, each with its path. */
export function repairPrompt(issues: readonly Issue[]): string {
  const shown = issues.slice(0, MAX_REPAIR_ISSUES);
  return [
    'Baton refused that definition. Problems (path: message):',
    ...shown.map((i) => `- ${i.path || '(whole answer)'}: ${i.message}`),
    ...(issues.length > shown.length ? [`- … and ${issues.length - shown.length} more`] : []),
    'Answer with the whole corrected definition as JSON.',
  ].join('\n');
}

/** A re-planning turn: the requester's feedback on the previous proposal (quoted as a JSON string). */
export function feedbackPrompt(feedback: string): string {
  return [
    `The requester answered this proposal with feedback (JSON string): ${JSON.stringify(feedback)}`,
    'Answer with the whole revised definition as JSON, following the same rules.',
  ].join('\n');
}
