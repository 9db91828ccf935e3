import type { z } from 'zod';

/**
 * Names of Baton's own credentials (the Worker secrets of src/env.ts `AppEnv`): the admin bearer
 * token, the key secrets are encrypted under and the key approval links are signed with. No
 * definition, agent or stored secret may name them; the runtime refuses to hand them out too.
 */
export const RESERVED_SECRETS: ReadonlySet<string> = new Set(['ADMIN_TOKEN', 'SECRETS_KEY', 'LINK_SIGNING_KEY']);

/** Why a reserved name is refused, for error messages. */
export function reservedSecretMessage(name: string): string {
  return `${name} is one of Baton's own credentials (${[...RESERVED_SECRETS].join(', ')}) and cannot be named; store your key under a name of your own`;
}

/**
 * A secret name a definition or an agent gives (a webhook's `secret`, an agent's `apiKeySecret`):
 * `base` with Baton's own credentials refused at registration.
 */
export function notReservedSecret(base: z.ZodString) {
  return base.refine((name) => !RESERVED_SECRETS.has(name), {
    error: (issue) => reservedSecretMessage(String(issue.input)),
  });
}
