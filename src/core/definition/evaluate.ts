import { schemaProblem } from '../../lib/structured-output';
import { parseAgentRef, type WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import { scanTemplates } from '../expressions';
import type { AgentScope } from './agent-refs';

/** Names a scorer's expression may read (see core/evaluation.ts `evaluationContext`). */
export const SCORER_ROOTS = new Set(['output', 'steps', 'inputs', 'vars', 'trigger', 'run', 'feedback']);

/**
 * Registration checks of `evaluate:`: each expression parses and reads only what a scorer is given,
 * each schema compiles, each judge is a registered agent — at `evaluate[i].…`.
 */
export function evaluateIssues(def: WorkflowDefinition, agents?: AgentScope): Issue[] {
  const issues: Issue[] = [];
  (def.evaluate ?? []).forEach((scorer, i) => {
    const at = `evaluate[${i}]`;
    if ('expression' in scorer) {
      const { uses, problems } = scanTemplates(scorer.expression, `${at}.expression`, true);
      issues.push(...problems);
      for (const root of uses.flatMap((u) => [...u.roots]))
        if (!SCORER_ROOTS.has(root))
          issues.push({
            path: `${at}.expression`,
            message: `a scorer reads ${[...SCORER_ROOTS].join(', ')}; '${root}' is none of them`,
          });
    } else if ('schema' in scorer) {
      const problem = schemaProblem(scorer.schema);
      if (problem) issues.push({ path: `${at}.schema`, message: `not a usable JSON Schema: ${problem}` });
    } else {
      const { name } = parseAgentRef(scorer.agent);
      if (agents && !agents.has(name))
        issues.push({
          path: `${at}.agent`,
          message: `unknown agent '${name}'; register it with PUT /api/agents/${name}`,
        });
    }
  });
  return issues;
}
