import { callAgent, type AgentHost, type AgentResult } from '../../../agents/index';
import { runHttpStep, type HttpStepInput } from '../../../agents/http-step';
import { runMcpStep, type McpStepInput } from '../../../agents/mcp-step';
import { database } from '../d1/client';
import { getAgentForStep } from '../d1/agents';
import { secretOf, type AppEnv } from '../env';
import { unreachable } from '../../../core/unreachable';
import { CircuitGate } from '../circuit-gate';
import type { Claim, Report } from './run-object';

/** What agents may use of the platform when they run for a tenant: fetch, and its secrets by name. */
export function hostFor(env: AppEnv, tenantId: string): AgentHost {
  return { fetch: (input, init) => fetch(input, init), secret: (name) => secretOf(env, tenantId, name) };
}

/**
 * Calls what a claimed attempt names: the agent (through its circuit breaker), the HTTP request or
 * the MCP tool, with the idempotency key `${runId}:${stepId}:${attempt}`, until the claim's time left
 * runs out or `cancel` aborts.
 * Failures are values: it throws only when a platform binding (D1, the circuit's object) fails.
 */
export async function executeAttempt(
  env: AppEnv,
  runId: string,
  claim: Claim,
  host: AgentHost,
  background: (p: Promise<unknown>) => void,
  cancel?: AbortSignal,
): Promise<{ result: AgentResult; provider: string }> {
  const idempotencyKey = `${runId}:${claim.stepId}:${claim.attempt}`;
  const timeout = AbortSignal.timeout(claim.timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  switch (claim.kind) {
    case 'http':
      return {
        result: await runHttpStep(claim.input as HttpStepInput, signal, host, idempotencyKey),
        provider: 'http',
      };
    case 'mcp':
      return { result: await runMcpStep(claim.input as McpStepInput, signal, host, claim.timeoutMs), provider: 'mcp' };
    case 'agent':
      return callStepAgent(env, runId, claim, host, background, idempotencyKey, signal, timeout, cancel);
    default:
      return unreachable(claim.kind, 'step kind');
  }
}

/** Calls the claimed attempt's agent through its circuit breaker. */
async function callStepAgent(
  env: AppEnv,
  runId: string,
  claim: Claim,
  host: AgentHost,
  background: (p: Promise<unknown>) => void,
  idempotencyKey: string,
  signal: AbortSignal,
  timeout: AbortSignal,
  cancel?: AbortSignal,
): Promise<{ result: AgentResult; provider: string }> {
  const agent = claim.agent ? await getAgentForStep(database(env.DB), claim.tenantId, claim.agent) : null;
  if (!agent)
    return {
      result: {
        ok: false,
        error: { code: 'agent_not_found', message: `agent '${claim.agent}' is not registered`, retryable: false },
      },
      provider: 'none',
    };
  // Remote agents go through their circuit breaker; builtin tools cannot be down.
  const circuit = agent.provider === 'builtin' ? null : new CircuitGate(env, claim.tenantId, agent.name, background);
  const gate = circuit ? await circuit.acquire() : { allowed: true };
  if (!gate.allowed) {
    const error = {
      code: 'circuit_open' as const,
      message: `agent ${agent.name} is failing; its circuit is open`,
      retryable: true,
      retryAfterMs: gate.retryAfterMs,
    };
    return { result: { ok: false, error }, provider: agent.provider };
  }
  const result = await callAgent(
    agent,
    { runId, stepId: claim.stepId, attempt: claim.attempt, idempotencyKey, input: claim.input, signal },
    host,
  );
  // Only the agent's own failures count against it (network, timeouts, 5xx, 429), not bad requests,
  // nor a call the run abandoned (cancelled, failed): unless it was the probe, which must report.
  const abandoned = !!cancel?.aborted && !timeout.aborted;
  if (!abandoned || circuit?.isProbe) await circuit?.record(result.ok || !result.error.retryable);
  return { result, provider: agent.provider };
}

/** The report of an attempt's outcome. */
export function reportOf(claim: Claim, result: AgentResult, provider: string): Report {
  const ref = { stepId: claim.stepId, attempt: claim.attempt };
  return result.ok
    ? { ...ref, ok: true, output: result.output, usage: result.usage, provider }
    : { ...ref, ok: false, error: result.error, usage: result.usage, provider };
}
