import type { Usage } from '../core/engine';
import { HttpAgentConfig } from '../schemas/agent';
import { TIMEOUT_FAILURE, httpFailure, safeText, thrownFailure } from './http-errors';
import { reportedUsage } from './model/cost';
import { configOf, type Provider } from './types';

/**
 * `provider: http` (CONTRACT.md "Agents"): POSTs `{ runId, stepId, attempt, idempotencyKey, input }`
 * with an `Idempotency-Key` header and expects 2xx JSON `{ output, usage? }`.
 */
export const httpProvider: Provider = async (agent, req, host) => {
  const config = configOf(agent, HttpAgentConfig);
  let response: Response;
  try {
    response = await host.fetch(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...config.headers,
        'idempotency-key': req.idempotencyKey,
      },
      body: JSON.stringify({
        runId: req.runId,
        stepId: req.stepId,
        attempt: req.attempt,
        idempotencyKey: req.idempotencyKey,
        input: req.input,
      }),
      signal: req.signal,
    });
  } catch (err) {
    return { ok: false, error: thrownFailure(err, req.signal) };
  }
  const body = await safeText(response);
  if (req.signal.aborted) return { ok: false, error: { ...TIMEOUT_FAILURE } };
  if (!response.ok) return { ok: false, error: httpFailure(response, body) };
  let parsed: { output?: unknown; usage?: Usage };
  try {
    parsed = JSON.parse(body);
  } catch {
    return {
      ok: false,
      error: {
        code: 'agent_bad_response',
        message: `expected JSON { output }, got: ${body.slice(0, 200)}`,
        retryable: false,
      },
    };
  }
  if (!parsed || typeof parsed !== 'object' || !('output' in parsed)) {
    return {
      ok: false,
      error: { code: 'agent_bad_response', message: 'the answer has no "output" field', retryable: false },
    };
  }
  return { ok: true, output: parsed.output, usage: reportedUsage((parsed as { usage?: unknown }).usage) };
};
