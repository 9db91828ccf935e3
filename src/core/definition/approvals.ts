import type { Issue } from '../../schemas/errors';
import type { ApprovalSpec } from '../../schemas/steps';
import type { Plan } from './plan';

/** Kinds that may sit between an approval and the step its `on_request_changes` runs again. */
const RERUNNABLE = new Set(['agent', 'http', 'mcp', 'workflow', 'sleep', 'wait_for_event', 'approval']);

/** The approval spec of a node, or undefined for other kinds. */
export function approvalOf(plan: Plan, id: string): ApprovalSpec | undefined {
  const step = plan.byId.get(id)?.step;
  return step && 'approval' in step ? step.approval : undefined;
}

/**
 * The steps `on_request_changes` runs again: from its target to the approval itself, in list
 * order. @returns node ids; empty when the approval has no `on_request_changes`.
 */
export function rerunRange(plan: Plan, approvalId: string): string[] {
  const target = approvalOf(plan, approvalId)?.on_request_changes;
  const node = plan.byId.get(approvalId);
  if (!target || !node) return [];
  const list = plan.lists.get(node.list) ?? [];
  const from = list.indexOf(target);
  const to = list.indexOf(approvalId);
  return from >= 0 && from < to ? list.slice(from, to + 1) : [];
}

/** Steps that may read an approval's `comment` before it ran (the ones it runs again), by node id. */
export function approvalReaders(plan: Plan): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  for (const node of plan.nodes) {
    if (node.kind !== 'approval') continue;
    for (const id of rerunRange(plan, node.id).slice(0, -1)) readers.set(id, [...(readers.get(id) ?? []), node.id]);
  }
  return readers;
}

/** Checks what the schema cannot: quorum, options and the `on_request_changes` target. */
export function approvalIssues(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  for (const node of plan.nodes) {
    const spec = approvalOf(plan, node.id);
    if (!spec) continue;
    const at = `${node.path}.approval`;
    if (spec.quorum > spec.assignees.length)
      issues.push({
        path: `${at}.quorum`,
        message: `quorum ${spec.quorum} is more than the ${spec.assignees.length} assignee(s)`,
      });
    if (spec.options?.includes('request_changes') && !spec.on_request_changes)
      issues.push({
        path: `${at}.options`,
        message: 'request_changes needs on_request_changes: the id of the step to run again',
      });
    const target = spec.on_request_changes;
    if (!target) continue;
    const targetNode = plan.byId.get(target);
    if (!targetNode || targetNode.list !== node.list) {
      issues.push({
        path: `${at}.on_request_changes`,
        message: `'${target}' is not a step of the same list as '${node.id}'`,
      });
      continue;
    }
    const range = rerunRange(plan, node.id);
    if (!range.length) {
      issues.push({ path: `${at}.on_request_changes`, message: `'${target}' must run before '${node.id}'` });
      continue;
    }
    const block = range.find((id) => !RERUNNABLE.has(plan.byId.get(id)!.kind));
    if (block)
      issues.push({
        path: `${at}.on_request_changes`,
        message: `the steps run again may not include the block '${block}'`,
      });
  }
  return issues;
}

/** The options an approval offers: as written, else approve and reject (and request_changes when it has a target). */
export function optionsOf(spec: ApprovalSpec): ApprovalSpec['options'] & {} {
  return spec.options ?? (spec.on_request_changes ? ['approve', 'reject', 'request_changes'] : ['approve', 'reject']);
}
