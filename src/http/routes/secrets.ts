import { createRoute, z } from '@hono/zod-openapi';
import { BatonError } from '../../core/errors';
import { database } from '../../adapter/cloudflare/d1/client';
import { deleteSecret, listSecrets, putSecret } from '../../adapter/cloudflare/d1/secrets';
import { RESERVED_SECRETS, reservedSecretMessage } from '../../schemas/secret-names';
import { Secret, SecretStored } from '../../schemas/api';

/** A host name a secret may be sent to (letters, digits, dots and dashes; an IP literal too). */
const SecretHost = z
  .string()
  .max(253)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'expected a host name such as api.example.com',
  );
import { router } from '../context';
import { authErrors, jsonBody } from '../openapi';

export const secretRoutes = router();

const SecretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits and _')
  .max(128);

secretRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/secrets/{name}',
    operationId: 'putSecret',
    summary:
      'Store a secret, encrypted at rest (AES-GCM under SECRETS_KEY), with the hosts it may be sent to; its value is never returned',
    request: {
      params: z.object({ name: SecretName }),
      body: {
        content: {
          'application/json': {
            schema: z.object({
              value: z.string().min(1).max(65_536),
              hosts: z
                .array(SecretHost)
                .max(20)
                .optional()
                .describe(
                  'Hosts the secret may be sent to (e.g. api.openai.com); absent or empty: none, it is only read here (e.g. to check webhook signatures)',
                ),
            }),
          },
        },
        required: true,
      },
    },
    responses: {
      200: jsonBody(SecretStored, 'Replaced'),
      201: jsonBody(SecretStored, 'Stored'),
      ...authErrors(400, 500),
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    if (RESERVED_SECRETS.has(name)) throw new BatonError('bad_request', reservedSecretMessage(name));
    if (!c.env.SECRETS_KEY)
      throw new BatonError(
        'internal_error',
        'secrets cannot be stored: set the Worker secret SECRETS_KEY (wrangler secret put SECRETS_KEY, or .dev.vars locally)',
      );
    const { created, updatedAt } = await putSecret(
      database(c.env.DB),
      c.env.SECRETS_KEY,
      c.var.tenantId,
      name,
      c.req.valid('json').value,
      (c.req.valid('json').hosts ?? []).map((h) => h.toLowerCase()),
    );
    return c.json({ name, updatedAt }, created ? 201 : 200);
  },
);

secretRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/secrets',
    operationId: 'listSecrets',
    summary: 'Stored secrets: names and dates only',
    responses: { 200: jsonBody(z.array(Secret), 'Secrets by name'), ...authErrors() },
  }),
  async (c) => c.json(await listSecrets(database(c.env.DB), c.var.tenantId), 200),
);

secretRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/secrets/{name}',
    operationId: 'deleteSecret',
    summary: 'Delete a stored secret; what names it fails from then on, saying it is missing',
    request: { params: z.object({ name: SecretName }) },
    responses: { 204: { description: 'Deleted' }, ...authErrors(400, 404) },
  }),
  async (c) => {
    await deleteSecret(database(c.env.DB), c.var.tenantId, c.req.valid('param').name);
    return c.body(null, 204);
  },
);
