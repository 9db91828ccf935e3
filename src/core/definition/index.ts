export { parseDefinitionText } from './parse';
export { validateDefinition, zodIssues, CONTEXT_ROOTS, type Validated, type ValidationScope } from './validate';
export { buildPlan, ancestorsInList, descendants, childLists, stepKind, type Plan, type PlanNode } from './plan';
export { visibleNames } from './visibility';
export { durationMs } from './duration';
export { formatPath } from './path';
export {
  agentRefsOf,
  agentUsesOf,
  usesAgent,
  registryIssues,
  servesSelection,
  type AgentScope,
  type AgentUses,
  type RegisteredAgent,
} from './agent-refs';
