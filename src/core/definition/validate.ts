import { z } from 'zod';
import { PLANNED_STEP_KINDS, PLANNED_TRIGGER_KINDS, WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import { scanTemplates } from '../expressions';
import { ancestors, buildGraph, type WorkflowGraph } from './graph';
import { formatPath } from './path';

/** Names every template may read besides step ids. */
export const CONTEXT_ROOTS = new Set(['inputs', 'trigger', 'vars']);

/** What registration needs to know about the world; absent parts are not checked. */
export interface ValidationScope {
  /** Registered agent names; an unknown `agent:` is an error when given. */
  agents?: ReadonlySet<string>;
}

export type Validated = { ok: true; definition: WorkflowDefinition; graph: WorkflowGraph } | { ok: false; issues: Issue[] };

/**
 * Validates a parsed definition: shape (zod), duplicate ids, unknown `needs`, cycles, templates
 * (JSONata syntax, references to steps that do not run before), and unknown agents.
 * @returns the normalised definition and its graph, or every issue found with its path.
 */
export function validateDefinition(raw: unknown, scope: ValidationScope = {}): Validated {
  const planned = plannedFeatureIssues(raw);
  if (planned.length) return { ok: false, issues: planned };
  const parsed = WorkflowDefinition.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const def = parsed.data;
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  def.steps.forEach((step, i) => {
    const first = seen.get(step.id);
    if (first !== undefined) issues.push({ path: `steps[${i}].id`, message: `duplicate step id '${step.id}' (first used at steps[${first}])` });
    else seen.set(step.id, i);
    if (scope.agents && !scope.agents.has(step.agent)) {
      issues.push({ path: `steps[${i}].agent`, message: `unknown agent '${step.agent}'; register it with PUT /api/agents/${step.agent}` });
    }
  });
  const { graph, issues: graphIssues } = buildGraph(def);
  issues.push(...graphIssues);
  if (issues.length === 0) issues.push(...templateIssues(def, graph));
  return issues.length ? { ok: false, issues } : { ok: true, definition: def, graph };
}

function templateIssues(def: WorkflowDefinition, graph: WorkflowGraph): Issue[] {
  const issues: Issue[] = [];
  const stepIds = new Set(def.steps.map((s) => s.id));
  const check = (value: unknown, path: string, visible: Set<string>, asCondition = false) => {
    const { uses, problems } = scanTemplates(value, path, asCondition);
    issues.push(...problems);
    for (const use of uses) {
      for (const root of use.roots) {
        if (CONTEXT_ROOTS.has(root) || visible.has(root)) continue;
        const message = stepIds.has(root)
          ? `reads step '${root}', which does not run before this one (add it to needs)`
          : `unknown name '${root}': expected inputs, trigger, vars or a step id`;
        issues.push({ path: use.path, message });
      }
    }
  };
  def.steps.forEach((step, i) => {
    const visible = ancestors(graph, step.id);
    if (graph.byId.get(step.id)?.isErrorHandler) {
      for (const other of def.steps) {
        if (other.on_error === step.id) {
          visible.add(other.id);
          for (const a of ancestors(graph, other.id)) visible.add(a);
        }
      }
    }
    check(step.input, `steps[${i}].input`, visible);
    if (step.if !== undefined) check(step.if, `steps[${i}].if`, visible, true);
  });
  check(def.output, 'output', stepIds);
  return issues;
}

function plannedFeatureIssues(raw: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!raw || typeof raw !== 'object') return issues;
  const { steps, triggers } = raw as { steps?: unknown; triggers?: unknown };
  if (Array.isArray(steps)) {
    steps.forEach((step, i) => {
      if (!step || typeof step !== 'object') return;
      for (const kind of PLANNED_STEP_KINDS) {
        if (kind in step) issues.push({ path: `steps[${i}].${kind}`, message: `'${kind}' steps are not available in this version of Baton; use agent steps` });
      }
    });
  }
  if (Array.isArray(triggers)) {
    triggers.forEach((trigger, i) => {
      if (!trigger || typeof trigger !== 'object') return;
      for (const kind of PLANNED_TRIGGER_KINDS) {
        if (kind in trigger) issues.push({ path: `triggers[${i}].${kind}`, message: `'${kind}' triggers are not available in this version of Baton; use email triggers or POST /api/workflows/:name/runs` });
      }
    });
  }
  return issues;
}

/** zod issues as `{ path, message }`, with unknown keys reported at their own path. */
export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: `unknown key '${key}'` }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}
