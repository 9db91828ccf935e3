import { TEMPLATES } from './library';
import type { Template, TemplateVarValue } from './template';

export { TEMPLATES };
export type { Template, TemplateVarValue };

/** The template of an id, or undefined. */
export function templateOf(id: string): Template | undefined {
  return TEMPLATES.find((t) => t.id === id);
}

/** Why `given` cannot fill the template's vars (the var and what is wrong), or its vars with defaults. */
export function templateVars(
  template: Template,
  given: Record<string, unknown>,
): { ok: true; vars: Record<string, TemplateVarValue> } | { ok: false; path: string; message: string } {
  const vars: Record<string, TemplateVarValue> = {};
  for (const key of Object.keys(given))
    if (!Object.hasOwn(template.vars, key))
      return {
        ok: false,
        path: `vars.${key}`,
        message: `not a var of ${template.id}; it takes ${Object.keys(template.vars).join(', ')}`,
      };
  for (const [key, spec] of Object.entries(template.vars)) {
    const value = given[key] ?? spec.default;
    const wantList = Array.isArray(spec.default);
    const okList =
      Array.isArray(value) && value.length <= 100 && value.every((v) => typeof v === 'string' && v.length <= 200);
    const okText = typeof value === 'string' && value.length <= 200;
    if (wantList ? !okList : !okText)
      return {
        ok: false,
        path: `vars.${key}`,
        message: wantList ? 'expected a list of at most 100 texts' : 'expected a text of at most 200 characters',
      };
    vars[key] = value as TemplateVarValue;
  }
  return { ok: true, vars };
}
