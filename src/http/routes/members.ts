import { createRoute, z } from '@hono/zod-openapi';
import { database } from '../../adapter/cloudflare/d1/client';
import { listMembers, putMember, removeMember } from '../../adapter/cloudflare/d1/people';
import { Me, Member, PutMember } from '../../schemas/api';
import { router } from '../context';
import { actorName } from '../middleware/audit';
import { authErrors, jsonBody } from '../openapi';

/** A tenant's members (its admins) and the caller's own identity (anyone). */
export const memberRoutes = router();

memberRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/members',
    operationId: 'listMembers',
    summary: "The tenant's members: emails and roles",
    responses: { 200: jsonBody(z.array(Member), 'Members, by email'), ...authErrors() },
  }),
  async (c) => c.json(await listMembers(database(c.env.DB), c.var.tenantId), 200),
);

memberRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/members',
    operationId: 'putMember',
    summary: 'Add a member (they sign in by emailed link at /auth/sign-in) or change their role',
    request: { body: { content: { 'application/json': { schema: PutMember } }, required: true } },
    responses: { 201: jsonBody(Member, 'Added'), 200: jsonBody(Member, 'Role changed'), ...authErrors(400) },
  }),
  async (c) => {
    const { member, created } = await putMember(database(c.env.DB), c.var.tenantId, c.req.valid('json'), new Date());
    return created ? c.json(member, 201) : c.json(member, 200);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/members/{email}',
    operationId: 'removeMember',
    summary: 'Remove a member: their sessions and sign-in links end at once',
    request: { params: z.object({ email: z.string().max(320) }) },
    responses: { 204: { description: 'Removed' }, ...authErrors(404) },
  }),
  async (c) => {
    await removeMember(database(c.env.DB), c.var.tenantId, c.req.valid('param').email);
    return c.body(null, 204);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me',
    operationId: 'me',
    summary: 'Who the caller is: tenant, role, and the token, key or member',
    responses: { 200: jsonBody(Me, 'The caller'), ...authErrors() },
  }),
  (c) => {
    const actor = c.var.actor;
    const name = actor.type === 'person' ? actor.email : actor.type === 'key' ? actor.name : actorName(actor);
    return c.json({ tenantId: c.var.tenantId, role: c.var.role, actor: { type: actor.type, name } }, 200);
  },
);
