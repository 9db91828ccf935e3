import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import {
  createKey,
  createTenant,
  listKeys,
  listTenants,
  revokeKey,
  updateTenant,
} from '../../adapter/cloudflare/d1/access';
import { deleteTenant } from '../../adapter/cloudflare/lifecycle';
import { BatonError } from '../../core/errors';
import { ApiKey, CreateKey, CreateTenant, NewApiKey, Tenant, TenantCreated, UpdateTenant } from '../../schemas/api';
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

/** Tenants (the deployment's ADMIN_TOKEN only) and a tenant's API keys (its admins). */
export const accessRoutes = router();

accessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/tenants',
    operationId: 'createTenant',
    summary: "Create a tenant and its first admin key (the deployment's ADMIN_TOKEN only; the token is shown once)",
    request: { body: { content: { 'application/json': { schema: CreateTenant } }, required: true } },
    responses: { 201: jsonBody(TenantCreated, 'Created'), ...authErrors(400, 409) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const created = await createTenant(
      database(c.env.DB),
      {
        name: body.name,
        emailDomains: body.email_domains ?? [],
        ...(body.retention_days ? { retentionDays: body.retention_days } : {}),
        ...(body.alias_prefix ? { aliasPrefix: body.alias_prefix } : {}),
      },
      new Date(),
    );
    return c.json(created, 201);
  },
);

accessRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/tenants',
    operationId: 'listTenants',
    summary: "Every tenant (the deployment's ADMIN_TOKEN only)",
    responses: { 200: jsonBody(z.array(Tenant), 'Tenants, oldest first'), ...authErrors() },
  }),
  async (c) => c.json(await listTenants(database(c.env.DB)), 200),
);

const tenantParam = z.object({ id: z.string().max(64) });

accessRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/tenants/{id}',
    operationId: 'updateTenant',
    summary: "Change a tenant's name or retention (the deployment's ADMIN_TOKEN only)",
    request: {
      params: tenantParam,
      body: { content: { 'application/json': { schema: UpdateTenant } }, required: true },
    },
    responses: { 200: jsonBody(Tenant, 'The tenant as changed'), ...authErrors(400, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const tenant = await updateTenant(
      database(c.env.DB),
      id,
      {
        ...(body.name ? { name: body.name } : {}),
        ...(body.retention_days ? { retentionDays: body.retention_days } : {}),
      },
      new Date(),
    );
    if (!tenant) throw new BatonError('not_found', `tenant ${id} does not exist`);
    return c.json(tenant, 200);
  },
);

accessRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/tenants/{id}',
    operationId: 'deleteTenant',
    summary:
      "Delete a tenant: every row with its id and the storage of its runs' objects (the deployment's ADMIN_TOKEN only)",
    request: { params: tenantParam },
    responses: { 204: { description: 'Deleted' }, ...authErrors(404, 409) },
  }),
  async (c) => {
    await deleteTenant(c.env, c.req.valid('param').id);
    return c.body(null, 204);
  },
);

accessRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/keys',
    operationId: 'createKey',
    summary: "Create an API key of the caller's tenant; its token is answered once and stored as a hash",
    request: { body: { content: { 'application/json': { schema: CreateKey } }, required: true } },
    responses: { 201: jsonBody(NewApiKey, 'Created'), ...authErrors(400) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const key = await createKey(
      database(c.env.DB),
      c.var.tenantId,
      { name: body.name, role: body.role, expiresAt: body.expires_at ?? null },
      new Date(),
    );
    return c.json(key, 201);
  },
);

accessRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/keys',
    operationId: 'listKeys',
    summary: "The tenant's API keys: names, roles, expiry, last use (never a token)",
    responses: { 200: jsonBody(z.array(ApiKey), 'Keys, newest first'), ...authErrors() },
  }),
  async (c) => c.json(await listKeys(database(c.env.DB), c.var.tenantId), 200),
);

accessRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke a key at once: its next request answers 401',
    request: { params: z.object({ id: z.string().max(100) }) },
    responses: { 204: { description: 'Revoked' }, ...authErrors(404) },
  }),
  async (c) => {
    await revokeKey(database(c.env.DB), c.var.tenantId, c.req.valid('param').id, new Date());
    return c.body(null, 204);
  },
);
