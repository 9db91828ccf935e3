import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import {
  countAlertRules,
  deleteAlertRule,
  getAlertRule,
  listAlertEvents,
  listAlertRules,
  putAlertRule,
  type AlertRuleRow,
} from '../../adapter/cloudflare/d1/alerts';
import { database } from '../../adapter/cloudflare/d1/client';
import { getWorkflowVersion } from '../../adapter/cloudflare/d1/workflows';
import { alertView, shownUrl } from '../../adapter/cloudflare/alerts/fire';
import type { Role } from '../../schemas/enums';
import { secretStoreOf } from '../../adapter/cloudflare/host';
import { AlertEventList, AlertName, AlertRule, AlertRuleBody, AlertType } from '../../schemas/api';
import type { AppEnv } from '../../adapter/cloudflare/env';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const alertRoutes = router();

/** Most alert rules one tenant keeps (each `run_stuck` rule is a query a minute). */
export const MAX_ALERT_RULES = 100;

const nameParam = z.object({ name: AlertName });

/**
 * A rule as the API answers it; for roles that cannot edit rules, a webhook URL shows its origin
 * only (a path or query may be a credential, as Slack's are).
 */
function ruleView(row: AlertRuleRow, role: Role): AlertRule {
  const hook = row.rule.notify?.webhook;
  const masked =
    hook && role !== 'admin' && role !== 'editor'
      ? { ...row.rule, notify: { ...row.rule.notify, webhook: { ...hook, url: shownUrl(hook.url) } } }
      : row.rule;
  return {
    name: row.name,
    rule: masked,
    lastNotifiedAt: row.lastNotifiedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function refuse(path: string, message: string): never {
  throw new BatonError('bad_request', `invalid json: json.${path}: ${message}`, {
    issues: [{ path: `json.${path}`, message }],
  });
}

/** Refuses a rule that could never notify anyone, or names what does not exist. */
async function checkRule(env: AppEnv, tenantId: string, rule: AlertRuleBody): Promise<void> {
  const db = database(env.DB);
  const workflow = 'workflow' in rule ? rule.workflow : undefined;
  if (workflow && !(await getWorkflowVersion(db, tenantId, workflow)))
    refuse('workflow', `workflow ${workflow} does not exist`);
  if (rule.type === 'circuit_open' && !rule.notify?.email?.length && !rule.notify?.webhook)
    refuse('notify', 'a circuit_open rule needs notify.email or notify.webhook: agents have no owners');
  const secret = rule.notify?.webhook?.secret;
  if (secret) {
    const value = await secretStoreOf(env)
      .get(tenantId, secret)
      .catch((err: unknown) => {
        if (err instanceof BatonError) refuse('notify.webhook.secret', err.message);
        throw err;
      });
    if (!value)
      refuse('notify.webhook.secret', `secret ${secret} is not set; store it with PUT /api/secrets/${secret}`);
  }
}

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/alerts',
    operationId: 'listAlertRules',
    summary: "The tenant's alert rules, by name",
    responses: { 200: jsonBody(z.array(AlertRule), 'Rules'), ...authErrors() },
  }),
  async (c) =>
    c.json(
      (await listAlertRules(database(c.env.DB), c.var.tenantId)).map((r) => ruleView(r, c.var.role)),
      200,
    ),
);

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/alerts/events',
    operationId: 'listAlertEvents',
    summary: 'Every alert that fired, newest first, with how each was delivered',
    request: {
      query: z.object({
        rule: AlertName.optional(),
        type: AlertType.optional(),
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: { 200: jsonBody(AlertEventList, 'A page of alerts; `nextCursor` reads the next'), ...authErrors(400) },
  }),
  async (c) => {
    const { rows, nextCursor } = await listAlertEvents(database(c.env.DB), c.var.tenantId, c.req.valid('query'));
    return c.json({ events: rows.map(alertView), nextCursor }, 200);
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/alerts/{name}',
    operationId: 'getAlertRule',
    summary: 'One alert rule',
    request: { params: nameParam },
    responses: { 200: jsonBody(AlertRule, 'The rule'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const row = await getAlertRule(database(c.env.DB), c.var.tenantId, name);
    if (!row) throw new BatonError('not_found', `alert rule ${name} does not exist`);
    return c.json(ruleView(row, c.var.role), 200);
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/alerts/{name}',
    operationId: 'putAlertRule',
    summary:
      'Create or replace an alert rule: run_failed, run_stuck, cost_over, circuit_open or quality_drop, notified by email and/or a signed webhook at most once per cooldown',
    request: {
      params: nameParam,
      body: { content: { 'application/json': { schema: AlertRuleBody } }, required: true },
    },
    responses: {
      200: jsonBody(AlertRule, 'Replaced'),
      201: jsonBody(AlertRule, 'Created'),
      ...authErrors(400),
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const rule = c.req.valid('json');
    await checkRule(c.env, c.var.tenantId, rule);
    const db = database(c.env.DB);
    if (
      !(await getAlertRule(db, c.var.tenantId, name)) &&
      (await countAlertRules(db, c.var.tenantId)) >= MAX_ALERT_RULES
    )
      throw new BatonError('limit_exceeded', `a tenant has at most ${MAX_ALERT_RULES} alert rules; delete one first`);
    const { row, created } = await putAlertRule(db, c.var.tenantId, name, rule, new Date().toISOString());
    return c.json(ruleView(row, c.var.role), created ? 201 : 200);
  },
);

alertRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/alerts/{name}',
    operationId: 'deleteAlertRule',
    summary: 'Delete an alert rule (the alerts it raised stay listed)',
    request: { params: nameParam },
    responses: { 204: { description: 'Deleted' }, ...authErrors(400, 404) },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    if (!(await deleteAlertRule(database(c.env.DB), c.var.tenantId, name)))
      throw new BatonError('not_found', `alert rule ${name} does not exist`);
    return c.body(null, 204);
  },
);
