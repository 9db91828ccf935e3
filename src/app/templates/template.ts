/**
 * A template of the library (issue 20): data plus a builder. `use` fills its vars and names the
 * workflow, and the result is registered like any definition.
 */

/** A value a template's vars take: text, or a list of texts. */
export type TemplateVarValue = string | string[];

/** One var of a template: what it means, and its default (which also gives its type). */
export interface TemplateVar {
  description: string;
  default: TemplateVarValue;
}

export interface Template {
  id: string;
  title: string;
  description: string;
  /** How its runs start. */
  trigger: 'email' | 'schedule' | 'webhook';
  vars: Record<string, TemplateVar>;
  /** The definition for a workflow `name` with these vars (defaults filled in). */
  build(name: string, vars: Record<string, TemplateVarValue>): Record<string, unknown>;
}
