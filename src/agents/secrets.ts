import { BatonError } from '../core/errors';
import type { StepError } from '../schemas/errors';
import type { AgentHost } from './types';

/**
 * A secret a provider needs (e.g. `apiKeySecret`) to send to `destination` (the URL it calls), or
 * the step failure saying why there is none: `secret_not_found` when it is set nowhere,
 * `secret_unreadable` when it is stored but does not decrypt, `secret_host_denied` when it may not
 * be sent to that host. Each message names the secret, never a value; none is retryable.
 */
export async function requireSecret(
  host: AgentHost,
  name: string,
  destination: string,
): Promise<{ ok: true; value: string } | { ok: false; error: StepError }> {
  try {
    const value = await host.secret(name, destination);
    if (value) return { ok: true, value };
    return { ok: false, error: { code: 'secret_not_found', message: `secret ${name} is not set`, retryable: false } };
  } catch (err) {
    if (err instanceof BatonError && (err.code === 'secret_unreadable' || err.code === 'secret_host_denied'))
      return { ok: false, error: { code: err.code, message: err.message, retryable: false } };
    throw err;
  }
}
