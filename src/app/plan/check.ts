import { buildPlan } from '../../core/definition';
import { DEFAULT_MAX_PLAN_STEPS, type PlanConstraints, type PlanEstimate } from '../../schemas/api/plans';
import type { WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import type { StepKind } from '../../schemas/steps';

/**
 * Step kinds a plan may use: agents and the blocks that arrange them. Steps that reach other hosts
 * or people (`http`, `mcp`, `approval`), start other workflows or wait on outside events are left
 * to workflows written by hand: a plan comes from a model that reads untrusted task text.
 */
export const PLAN_STEP_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['agent', 'parallel', 'switch', 'foreach']);

/** Longest definition a plan may be, characters of JSON. */
export const MAX_PLAN_DEFINITION_CHARS = 64_000;

/**
 * What a plan's definition (already valid as a workflow) breaks of the planner's own rules: step
 * kinds outside {@link PLAN_STEP_KINDS}, more steps than `max_steps`, an estimated cost above
 * `max_usd`. Each issue has a path, for the repair turn.
 */
export function planRuleIssues(def: WorkflowDefinition, constraints: PlanConstraints, estimate: PlanEstimate): Issue[] {
  const issues: Issue[] = [];
  const { plan } = buildPlan(def);
  for (const node of plan.nodes) {
    if (!PLAN_STEP_KINDS.has(node.kind))
      issues.push({
        path: node.path,
        message: `a plan may not use ${node.kind} steps (only ${[...PLAN_STEP_KINDS].join(', ')})`,
      });
    // A step's own tools would reach hosts, MCP servers or workflows no one chose: a plan uses the
    // agents as registered (their tools were given by whoever registered them).
    if ('tools' in node.step && node.step.tools?.length)
      issues.push({
        path: `${node.path}.tools`,
        message: 'a plan may not give steps tools; use agents that have the tools they need',
      });
  }
  const maxSteps = constraints.max_steps ?? DEFAULT_MAX_PLAN_STEPS;
  if (plan.nodes.length > maxSteps)
    issues.push({ path: 'steps', message: `the plan has ${plan.nodes.length} steps; at most ${maxSteps} are allowed` });
  if (constraints.max_usd !== undefined && estimate.costUsd > constraints.max_usd)
    issues.push({
      path: 'steps',
      message: `the estimated cost is ${estimate.costUsd} USD per run; at most ${constraints.max_usd} USD is allowed: use cheaper agents or fewer steps`,
    });
  return issues;
}
