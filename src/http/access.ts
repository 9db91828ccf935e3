import { Role } from '../schemas/enums';

const ANY: readonly Role[] = ['admin', 'editor', 'operator', 'approver', 'viewer'];
const ADMIN: readonly Role[] = ['admin'];
/** Change workflows, agents, secrets, plans. */
const EDIT: readonly Role[] = ['admin', 'editor'];
/** Start and control runs, publish events. */
const OPERATE: readonly Role[] = ['admin', 'operator'];
/** Rate runs (feedback): everyone who acts on them, not viewers. */
const RATE: readonly Role[] = ['admin', 'editor', 'operator', 'approver'];
/** Decide approvals (an approver: those assigned to them). */
const DECIDE: readonly Role[] = ['admin', 'approver'];

/**
 * Who may call each `/api` route, keyed `<METHOD> <Hono path>` exactly as the route is registered
 * (the README's roles table says the same). The one place access is decided, and it fails closed:
 * a route without an entry is refused for every role (see {@link allowedRoles}). Non-admins read
 * with signatures and signed links redacted (middleware/redact.ts).
 */
export const ROUTE_ROLES: Readonly<Record<string, readonly Role[]>> = {
  'GET /api/openapi.json': ANY,
  'GET /api/workflows': ANY,
  'POST /api/workflows': EDIT,
  'GET /api/workflows/:name': ANY,
  'PUT /api/workflows/:name': EDIT,
  'DELETE /api/workflows/:name': EDIT,
  'GET /api/workflows/:name/plan': ANY,
  'POST /api/workflows/:name/runs': OPERATE,
  'GET /api/runs': ANY,
  'GET /api/runs/:id': ANY,
  'GET /api/runs/:id/messages': ANY,
  'GET /api/runs/:id/export': ANY,
  'GET /api/runs/:id/feedback': ANY,
  'POST /api/runs/:id/feedback': RATE,
  'GET /api/analytics/workflows': ANY,
  'GET /api/analytics/workflows/:name': ANY,
  'GET /api/analytics/agents': ANY,
  'GET /api/analytics/agents/:name': ANY,
  'GET /api/alerts': ANY,
  'GET /api/alerts/events': ANY,
  'GET /api/alerts/:name': ANY,
  'PUT /api/alerts/:name': EDIT,
  'DELETE /api/alerts/:name': EDIT,
  'GET /api/templates': ANY,
  'POST /api/templates/:id/use': EDIT,
  'POST /api/runs/:id/pause': OPERATE,
  'POST /api/runs/:id/resume': OPERATE,
  'POST /api/runs/:id/cancel': OPERATE,
  'POST /api/runs/:id/restart': OPERATE,
  'GET /api/live/runs': ANY,
  'GET /api/live/runs/:id': ANY,
  'GET /api/messages': ANY,
  'GET /api/agents': ANY,
  'GET /api/agents/:name': ANY,
  'PUT /api/agents/:name': EDIT,
  'DELETE /api/agents/:name': EDIT,
  'GET /api/agents/:name/versions': ANY,
  'POST /api/events': OPERATE,
  'GET /api/approvals': ANY,
  'GET /api/approvals/:id': ANY,
  'POST /api/approvals/:id': DECIDE,
  'GET /api/schedules': ANY,
  'GET /api/deliveries': ANY,
  'GET /api/secrets': ANY,
  'PUT /api/secrets/:name': EDIT,
  'DELETE /api/secrets/:name': EDIT,
  'POST /api/demo': ADMIN,
  'POST /api/plan': EDIT,
  'GET /api/plans': ANY,
  'GET /api/plans/:id': ANY,
  'POST /api/plans/:id/approve': EDIT,
  'POST /api/plans/:id/reject': EDIT,
  'GET /api/keys': ADMIN,
  'POST /api/keys': ADMIN,
  'DELETE /api/keys/:id': ADMIN,
  'POST /api/tenants': ADMIN,
  'GET /api/tenants': ADMIN,
  'PATCH /api/tenants/:id': ADMIN,
  'DELETE /api/tenants/:id': ADMIN,
  'GET /api/audit': ADMIN,
  'GET /api/members': ADMIN,
  'POST /api/members': ADMIN,
  'DELETE /api/members/:email': ADMIN,
  'GET /api/me': ANY,
};

/** Routes only the deployment's `ADMIN_TOKEN` may call (not a tenant's admin key): they span tenants. */
export const DEPLOYMENT_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/tenants',
  'GET /api/tenants',
  'PATCH /api/tenants/:id',
  'DELETE /api/tenants/:id',
]);

/** `/api` routes answered without a token (registered before the bearer check). */
export const PUBLIC_ROUTES: readonly string[] = ['GET /api/health', 'GET /api/schema/workflow.json'];

/** The roles allowed on a route, or an empty list when it has no entry (refused). */
export function allowedRoles(method: string, path: string): readonly Role[] {
  return Object.hasOwn(ROUTE_ROLES, `${method} ${path}`) ? ROUTE_ROLES[`${method} ${path}`]! : [];
}

/** The role a stored key names, when it is one of the closed set (exact spelling), else null. */
export function knownRole(value: unknown): Role | null {
  const parsed = Role.safeParse(value);
  return parsed.success ? parsed.data : null;
}
