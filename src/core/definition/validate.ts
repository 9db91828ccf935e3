import { schemaProblem } from '../../lib/structured-output';
import type { ToolSpec } from '../../schemas/tools';
import { z } from 'zod';
import { parseAgentRef, PLANNED_TRIGGER_KINDS, WorkflowDefinition, WorkflowFields } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import { PLANNED_STEP_KINDS, SHALLOW_KINDS, STEP_KINDS, kindOf } from '../../schemas/steps';
import { scanTemplates } from '../expressions';
import { formatPath } from './path';
import { parseSchedule } from '../schedule';
import { approvalIssues, approvalReaders } from './approvals';
import { buildPlan, childLists, type Plan } from './plan';
import { visibleNames } from './visibility';
import { registryIssues, type AgentScope } from './agent-refs';
import { flowIssues } from './flow';
import { evaluateIssues } from './evaluate';

/** Names every template may read besides step ids. */
export const CONTEXT_ROOTS = new Set(['inputs', 'trigger', 'vars']);

/** What registration needs to know about the world; absent parts are not checked. */
export interface ValidationScope {
  /**
   * Registered agents: an unknown `agent:` is an error when given. With registry entries (a map)
   * also an offline agent or unknown `@N` (errors), a deprecated agent and a selection no active
   * agent serves (warnings); see {@link registryIssues}.
   */
  agents?: AgentScope;
}

/** A valid definition comes with its plan and the warnings registration answers (`[{ path, message }]`). */
export type Validated =
  | { ok: true; definition: WorkflowDefinition; plan: Plan; warnings: Issue[] }
  | { ok: false; issues: Issue[] };

const ShallowWorkflow = z.strictObject({
  ...WorkflowFields,
  steps: z.array(z.unknown()).min(1, 'a workflow needs at least one step'),
});

/**
 * Validates a parsed definition: shape of the workflow and of every step at its own path, duplicate
 * ids, unknown `needs`, cycles, templates (JSONata syntax; reading a step that does not run before,
 * or an unknown name), webhook `filter` and `input` syntax, and unknown agents.
 * @returns the normalised definition and its plan, or every issue found with its path.
 */
export function validateDefinition(raw: unknown, scope: ValidationScope = {}): Validated {
  const planned = plannedFeatureIssues(raw);
  if (planned.length) return { ok: false, issues: planned };
  const shallow = ShallowWorkflow.safeParse(raw);
  if (!shallow.success) return { ok: false, issues: zodIssues(shallow.error) };
  const stepIssues: Issue[] = [];
  for (const [i, step] of shallow.data.steps.entries()) checkStep(step, `steps[${i}]`, stepIssues);
  if (stepIssues.length) return { ok: false, issues: stepIssues };
  const parsed = WorkflowDefinition.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const def = parsed.data;
  const { plan, issues } = buildPlan(def);
  const warnings: Issue[] = [];
  for (const node of plan.nodes) {
    if (scope.agents) {
      const found = registryIssues(node, scope.agents);
      issues.push(...found.issues);
      warnings.push(...found.warnings);
    }
    if (!('agent' in node.step)) continue;
    const ref = typeof node.step.agent === 'string' ? parseAgentRef(node.step.agent) : null;
    if (ref && scope.agents && !scope.agents.has(ref.name))
      issues.push({
        path: `${node.path}.agent`,
        message: `unknown agent '${ref.name}'; register it with PUT /api/agents/${ref.name}`,
      });
    issues.push(...loopIssues(node.step, node.path, scope.agents));
  }
  def.triggers.forEach((t, i) => {
    if ('webhook' in t) {
      const w = t.webhook;
      if (w.signature === 'none' && !w.allow_unsigned)
        issues.push({
          path: `triggers[${i}].webhook.signature`,
          message: "signature: none accepts anyone's requests; say allow_unsigned: true to mean it",
        });
      if (w.timestamp_header && w.signature !== 'hmac-sha256')
        issues.push({
          path: `triggers[${i}].webhook.timestamp_header`,
          message: `timestamp_header works with signature: hmac-sha256 only (not ${w.signature})`,
        });
      if (w.signature !== 'none' && !w.secret)
        issues.push({
          path: `triggers[${i}].webhook.secret`,
          message: `signature: ${w.signature} needs secret: the name of the secret holding the signing key`,
        });
      if (def.triggers.filter((x) => 'webhook' in x).length > 1 && def.triggers.findIndex((x) => 'webhook' in x) !== i)
        issues.push({
          path: `triggers[${i}]`,
          message: 'a workflow has at most one webhook trigger (POST /hooks/<workflow>)',
        });
      // Compiled now: a filter or input that does not parse would answer every delivery 400.
      if (w.filter !== undefined)
        issues.push(...scanTemplates(w.filter, `triggers[${i}].webhook.filter`, true).problems);
      if (w.input !== undefined) issues.push(...scanTemplates(w.input, `triggers[${i}].webhook.input`).problems);
      return;
    }
    if (!('schedule' in t)) return;
    const parsed = parseSchedule(t.schedule.cron, t.schedule.timezone);
    if (!parsed.ok) issues.push({ path: `triggers[${i}].schedule.${parsed.field}`, message: parsed.message });
  });
  issues.push(...flowIssues(def));
  issues.push(...evaluateIssues(def, scope.agents));
  if (issues.length === 0) issues.push(...approvalIssues(plan));
  if (issues.length === 0) issues.push(...templateIssues(def, plan));
  if (issues.length === 0) return { ok: true, definition: def, plan, warnings };
  return { ok: false, issues: issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true })) };
}

/**
 * An agent's or agent step's loop keys: `agent` tools name registered agents, `output_schema`
 * compiles, and templates of `http` tools and approval messages parse (they read `args`, known
 * only at call time).
 * @param path where the keys are (`steps[0]`), or '' for an agent record's top level.
 */
export function loopIssues(
  step: { tools?: ToolSpec[]; output_schema?: Record<string, unknown> },
  path: string,
  agents?: AgentScope,
): Issue[] {
  const issues: Issue[] = [];
  const under = (key: string) => (path ? `${path}.${key}` : key);
  if (step.output_schema) {
    const problem = schemaProblem(step.output_schema);
    if (problem) issues.push({ path: under('output_schema'), message: `not a usable JSON Schema: ${problem}` });
  }
  (step.tools ?? []).forEach((tool, i) => {
    const at = under(`tools[${i}]`);
    if ('agent' in tool && agents && !agents.has(tool.agent))
      issues.push({
        path: `${at}.agent`,
        message: `unknown agent '${tool.agent}'; register it with PUT /api/agents/${tool.agent}`,
      });
    if ('http' in tool)
      issues.push(
        ...scanTemplates({ url: tool.http.url, headers: tool.http.headers, body: tool.http.body }, `${at}.http`)
          .problems,
      );
    if (tool.needs_approval?.message)
      issues.push(...scanTemplates(tool.needs_approval.message, `${at}.needs_approval.message`).problems);
  });
  return issues;
}

/** Checks one raw step (and its nested steps) against its kind's schema, at its own path. */
function checkStep(raw: unknown, path: string, issues: Issue[]): void {
  const kinds = raw && typeof raw === 'object' ? STEP_KINDS.filter((k) => k in raw) : [];
  if (kinds.length === 0) {
    issues.push({ path, message: `a step needs one of: ${STEP_KINDS.join(', ')}` });
    return;
  }
  if (kinds.length > 1) {
    issues.push({ path, message: `a step has exactly one kind; this one has ${kinds.join(' and ')}` });
    return;
  }
  const result = SHALLOW_KINDS[kindOf(raw)!].safeParse(raw);
  if (!result.success) {
    issues.push(
      ...zodIssues(result.error).map((i) => ({
        ...i,
        path: i.path === '(root)' ? path : `${path}.${i.path}`.replace('.[', '['),
      })),
    );
    return;
  }
  for (const child of childLists(result.data as never, path)) {
    for (const [i, s] of child.steps.entries())
      checkStep(s, child.list.includes('#') ? child.path : `${child.path}[${i}]`, issues);
  }
}

/** Template-bearing fields of a step, with their paths and whether they are conditions. */
function templateFields(
  node: Plan['nodes'][number],
): { value: unknown; path: string; condition?: boolean; extraRoots?: string[] }[] {
  const s = node.step as Record<string, unknown>;
  const out: { value: unknown; path: string; condition?: boolean; extraRoots?: string[] }[] = [];
  const add = (key: string, condition = false, extraRoots: string[] = []) => {
    if (s[key] !== undefined) out.push({ value: s[key], path: `${node.path}.${key}`, condition, extraRoots });
  };
  add('input');
  add('http');
  add('mcp');
  add('switch');
  add('foreach');
  add('if', true);
  const approval = s.approval as { message?: string } | undefined;
  if (approval?.message) out.push({ value: approval.message, path: `${node.path}.approval.message` });
  const wait = s.wait_for_event as { match?: string } | undefined;
  if (wait?.match)
    out.push({ value: wait.match, path: `${node.path}.wait_for_event.match`, condition: true, extraRoots: ['event'] });
  return out;
}

function templateIssues(def: WorkflowDefinition, plan: Plan): Issue[] {
  const issues: Issue[] = [];
  const check = (value: unknown, path: string, visible: Set<string>, condition = false) => {
    const { uses, problems } = scanTemplates(value, path, condition);
    issues.push(...problems);
    for (const use of uses) {
      for (const root of use.roots) {
        if (CONTEXT_ROOTS.has(root) || visible.has(root)) continue;
        const node = plan.byId.get(root);
        const message = !node
          ? `unknown name '${root}': expected inputs, trigger, vars or a step id`
          : node.inForeach
            ? `reads step '${root}', which exists only inside its foreach; read the foreach's output instead`
            : `reads step '${root}', which does not run before this one (add it to needs)`;
        issues.push({ path: use.path, message });
      }
    }
  };
  const readers = approvalReaders(plan);
  for (const node of plan.nodes) {
    for (const field of templateFields(node)) {
      const visible = visibleNames(plan, node, field.path.endsWith('.foreach') || field.path.endsWith('.switch'));
      for (const approvalId of readers.get(node.id) ?? []) visible.add(approvalId);
      for (const extra of field.extraRoots ?? []) visible.add(extra);
      check(field.value, field.path, visible, field.condition);
    }
  }
  check(def.output, 'output', new Set(plan.nodes.filter((n) => !n.inForeach).map((n) => n.id)));
  return issues;
}

function plannedFeatureIssues(raw: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!raw || typeof raw !== 'object') return issues;
  const visit = (step: unknown, path: string) => {
    if (!step || typeof step !== 'object') return;
    for (const kind of PLANNED_STEP_KINDS) {
      if (kind in step)
        issues.push({ path: `${path}.${kind}`, message: `'${kind}' steps are not available in this version of Baton` });
    }
    const s = step as Record<string, unknown>;
    if (Array.isArray(s.parallel)) for (const [i, c] of s.parallel.entries()) visit(c, `${path}.parallel[${i}]`);
    if (Array.isArray(s.do)) for (const [i, c] of s.do.entries()) visit(c, `${path}.do[${i}]`);
    if (Array.isArray(s.default)) for (const [i, c] of s.default.entries()) visit(c, `${path}.default[${i}]`);
    if (s.cases && typeof s.cases === 'object') {
      for (const [key, list] of Object.entries(s.cases))
        if (Array.isArray(list)) for (const [i, c] of list.entries()) visit(c, `${path}.cases.${key}[${i}]`);
    }
  };
  const { steps, triggers } = raw as { steps?: unknown; triggers?: unknown };
  if (Array.isArray(steps)) for (const [i, step] of steps.entries()) visit(step, `steps[${i}]`);
  if (Array.isArray(triggers)) {
    triggers.forEach((trigger, i) => {
      if (!trigger || typeof trigger !== 'object') return;
      for (const kind of PLANNED_TRIGGER_KINDS) {
        if (kind in trigger)
          issues.push({
            path: `triggers[${i}].${kind}`,
            message: `'${kind}' triggers are not available in this version of Baton; use email triggers or POST /api/workflows/:name/runs`,
          });
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
