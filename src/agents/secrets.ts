import { BatonError } from '../core/errors';
import type { StepError } from '../schemas/errors';
import type { AgentHost } from './types';

/**
 * A secret a provider needs (e.g. `apiKeySecret`), or the step failure saying why there is none:
 * `secret_not_found` when it is set nowhere, `secret_unreadable` when it is stored but does not
 * decrypt. Either message names the secret, never a value; neither is retryable.
 */
export async function requireSecret(
  host: AgentHost,
  name: string,
): Promise<{ ok: true; value: string } | { ok: false; error: StepError }> {
  try {
    const value = await host.secret(name);
    if (value) return { ok: true, value };
    return { ok: false, error: { code: 'secret_not_found', message: `secret ${name} is not set`, retryable: false } };
  } catch (err) {
    if (err instanceof BatonError && err.code === 'secret_unreadable')
      return { ok: false, error: { code: 'secret_unreadable', message: err.message, retryable: false } };
    throw err;
  }
}
