export { parseTemplate, compile, type Segment, type TemplateError } from './template';
export { render, evaluateCondition, conditionSource, toText, ExpressionError, type RunContext } from './evaluate';
export {
  expressionRoots,
  expressionReads,
  namesReadBy,
  scanTemplates,
  type TemplateProblem,
  type TemplateUse,
} from './references';
export type { ExpressionClock } from './clock';
