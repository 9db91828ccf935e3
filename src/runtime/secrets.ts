import { RESERVED_SECRETS, type AppEnv } from '../env';

/**
 * Resolves a secret a definition names (e.g. an agent's `apiKeySecret`) from the Worker's secrets
 * (`wrangler secret put`, `.dev.vars`). Baton's own credentials are never handed out.
 * @returns the value, or undefined when unset or reserved.
 */
export function workerSecret(env: AppEnv, name: string): string | undefined {
  if (RESERVED_SECRETS.has(name)) return undefined;
  const value = (env as unknown as Record<string, unknown>)[name];
  return typeof value === 'string' && value ? value : undefined;
}
