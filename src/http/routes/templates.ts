import { createRoute, z } from '@hono/zod-openapi';
import { stringify } from 'yaml';
import { database } from '../../adapter/cloudflare/d1/client';
import { TEMPLATES, templateOf, templateVars, type Template } from '../../app/templates/catalogue';
import { buildPlan } from '../../core/definition/plan';
import { BatonError } from '../../core/errors';
import { planExecution } from '../../core/policy/planner';
import { WorkflowDefinition } from '../../schemas/definition';
import { UseTemplate, WorkflowRegistered, WorkflowTemplate } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';
import { registerWorkflow } from '../register-workflow';

export const templateRoutes = router();

/** A template's definition as YAML source. */
const sourceOf = (definition: Record<string, unknown>) => stringify(definition, { lineWidth: 0 });

/** The library's view of a template: its default definition and its graph. */
function templateView(t: Template): WorkflowTemplate {
  const defaults = Object.fromEntries(Object.entries(t.vars).map(([k, v]) => [k, v.default]));
  const definition = t.build(t.id, defaults);
  const plan = planExecution(buildPlan(WorkflowDefinition.parse(definition)).plan, new Map());
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    trigger: t.trigger,
    vars: t.vars,
    source: sourceOf(definition),
    plan: { name: t.id, version: 0, ...plan },
  };
}

templateRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/templates',
    operationId: 'listTemplates',
    summary: 'The templates library: common workflows with their vars, source and graph',
    responses: { 200: jsonBody(z.array(WorkflowTemplate), 'Every template'), ...authErrors() },
  }),
  (c) => c.json(TEMPLATES.map(templateView), 200),
);

templateRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/templates/{id}/use',
    operationId: 'useTemplate',
    summary: 'Create a workflow from a template, its vars filled in',
    request: {
      params: z.object({ id: z.string().max(64) }),
      body: { content: { 'application/json': { schema: UseTemplate } }, required: true },
    },
    responses: { 201: jsonBody(WorkflowRegistered, 'Registered'), ...authErrors(400, 404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const template = templateOf(id);
    if (!template) throw new BatonError('not_found', `no template ${id}; GET /api/templates lists them`);
    const { name, vars } = c.req.valid('json');
    const filled = templateVars(template, vars);
    if (!filled.ok)
      throw new BatonError('bad_request', `invalid json: json.${filled.path}: ${filled.message}`, {
        issues: [{ path: `json.${filled.path}`, message: filled.message }],
      });
    const registered = await registerWorkflow(
      database(c.env.DB),
      c.var.tenantId,
      sourceOf(template.build(name, filled.vars)),
      'yaml',
      { create: true },
    );
    return c.json(
      {
        name: registered.name,
        version: registered.version,
        ...(registered.warnings.length ? { warnings: registered.warnings } : {}),
      },
      201,
    );
  },
);
