import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import { database } from '../../db/client';
import { listSecrets, putSecret } from '../../db/secrets';
import { RESERVED_SECRETS, reservedSecretMessage } from '../../schemas/secret-names';
import { router } from '../context';

export const secretRoutes = router();

const SecretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits and _').max(128);
const json = (description: string) => ({ description, content: { 'application/json': { schema: z.unknown() } } });

secretRoutes.openapi(createRoute({ method: 'put', path: '/secrets/{name}', summary: 'Store a secret, encrypted at rest (AES-GCM under SECRETS_KEY); its value is never returned',
  request: { params: z.object({ name: SecretName }), body: { content: { 'application/json': { schema: z.object({ value: z.string().min(1).max(65_536) }) } }, required: true } },
  responses: { 200: json('`{ name, updatedAt }` (replaced)'), 201: json('`{ name, updatedAt }` (new)'), 500: json('SECRETS_KEY is not set') } }),
async (c) => {
  const { name } = c.req.valid('param');
  if (RESERVED_SECRETS.has(name)) throw new BatonError('bad_request', reservedSecretMessage(name));
  if (!c.env.SECRETS_KEY) throw new BatonError('internal_error', 'secrets cannot be stored: set the Worker secret SECRETS_KEY (wrangler secret put SECRETS_KEY, or .dev.vars locally)');
  const { created, updatedAt } = await putSecret(database(c.env.DB), c.env.SECRETS_KEY, c.var.tenantId, name, c.req.valid('json').value);
  return c.json({ name, updatedAt }, created ? 201 : 200);
});

secretRoutes.openapi(createRoute({ method: 'get', path: '/secrets', summary: 'Stored secrets: names and dates only',
  responses: { 200: json('`[{ name, createdAt, updatedAt }]`') } }),
async (c) => c.json(await listSecrets(database(c.env.DB), c.var.tenantId), 200));
