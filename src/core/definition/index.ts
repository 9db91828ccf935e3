export { parseDefinitionText } from './parse';
export { validateDefinition, zodIssues, CONTEXT_ROOTS, type Validated, type ValidationScope } from './validate';
export { buildGraph, ancestors, type GraphNode, type WorkflowGraph } from './graph';
export { durationMs } from './duration';
export { formatPath } from './path';
