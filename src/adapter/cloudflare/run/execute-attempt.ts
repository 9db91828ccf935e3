import { callAgent, type AgentHost, type AgentResult } from '../../../agents/index';
import { runHttpStep, type HttpStepInput } from '../../../agents/http-step';
import { runModelTurn, runToolCall, type ToolEnv, type UnitRequest } from '../../../agents/loop';
import { runMcpStep, type McpStepInput } from '../../../agents/mcp-step';
import { MODEL_PROVIDERS, type AgentRecord } from '../../../schemas/agent';
import { database } from '../d1/client';
import { getAgentForStep } from '../d1/agents';
import { resolveAgent } from '../agent-resolve';
import { secretFor, type AppEnv } from '../env';
import { unreachable } from '../../../core/unreachable';
import { CircuitGate } from '../circuit-gate';
import { selectAgent } from '../agent-select';
import { throughSlots } from '../slot-gate';
import { LOOP_DEPS } from '../loop-deps';
import { toolListCache } from '../tool-cache';
import { pricedTurn, withPricedUsage } from '../../../agents/model/cost';
import type { Claim, Report } from './attempts';
import type { TurnOutcome } from '../../../core/engine/loop-types';
import type { StepError } from '../../../schemas/errors';

/** What agents may use of the platform when they run for a tenant: fetch, and its secrets by name. */
export function hostFor(env: AppEnv, tenantId: string): AgentHost {
  return {
    fetch: (input, init) => fetch(input, init),
    secret: (name, destination) => secretFor(env, tenantId, name, destination),
  };
}

/** What an execution may use besides the claim: the bindings, the host, background work, a cancel signal. */
interface Context {
  env: AppEnv;
  runId: string;
  host: AgentHost;
  background: (p: Promise<unknown>) => void;
  cancel?: AbortSignal;
}

/**
 * Calls what a claimed attempt names: the agent (through its circuit breaker), the HTTP request,
 * the MCP tool, or one unit of an agent loop (a model turn, a tool call), with its idempotency key
 * (`${runId}:${stepId}:${attempt}`, for loop units `…:${turn}:${callId|model}`), until the claim's
 * time left runs out or `cancel` aborts.
 * Failures are values: it throws only when a platform binding (D1, the circuit's object) fails.
 */
export async function executeAttempt(
  env: AppEnv,
  runId: string,
  claim: Claim,
  host: AgentHost,
  background: (p: Promise<unknown>) => void,
  cancel?: AbortSignal,
): Promise<Report> {
  const ctx: Context = { env, runId, host, background, cancel };
  const idempotencyKey = `${runId}:${claim.stepId}:${claim.attempt}`;
  const timeout = AbortSignal.timeout(claim.timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  switch (claim.kind) {
    case 'http':
      return reportOf(claim, await runHttpStep(claim.input as HttpStepInput, signal, host, idempotencyKey), 'http');
    case 'mcp':
      return reportOf(claim, await runMcpStep(claim.input as McpStepInput, signal, host, claim.timeoutMs), 'mcp');
    case 'agent':
      return executeAgent(ctx, claim, idempotencyKey, signal, timeout);
    default:
      return unreachable(claim.kind, 'step kind');
  }
}

/** An agent attempt: a plain call, or a unit of its loop for model providers. */
async function executeAgent(
  ctx: Context,
  claim: Claim,
  idempotencyKey: string,
  signal: AbortSignal,
  timeout: AbortSignal,
): Promise<Report> {
  const db = database(ctx.env.DB);
  if (claim.selection) {
    const chosen = await selectAgent(ctx.env, db, claim.tenantId, claim.selection, claim.pinned);
    if ('error' in chosen) return reportOf(claim, { ok: false, error: chosen.error }, 'none');
    const pinned = claim.pinned?.[chosen.name]?.version;
    const found = await resolveAgent(db, claim.tenantId, chosen.name, pinned, claim.pinned);
    const served = { agent: 'agent' in found ? found.agent.name : chosen.name, selection: chosen.selection };
    if ('error' in found) return { ...reportOf(claim, { ok: false, error: found.error }, 'none'), ...served };
    return { ...(await callChosen(ctx, claim, found.agent, idempotencyKey, signal, timeout)), ...served };
  }
  const found = claim.agent
    ? await resolveAgent(db, claim.tenantId, claim.agent, claim.agentVersion, claim.pinned)
    : { error: { code: 'agent_not_found' as const, message: 'the step names no agent', retryable: false } };
  if ('error' in found) return reportOf(claim, { ok: false, error: found.error }, 'none');
  const report = await callChosen(ctx, claim, found.agent, idempotencyKey, signal, timeout);
  // An offline agent's calls go to its replacement: the attempt names the agent that served it.
  return found.agent.name !== claim.agent && !claim.unit ? { ...report, agent: found.agent.name } : report;
}

/** Calls the agent an attempt (or a unit of its loop) goes to. */
async function callChosen(
  ctx: Context,
  claim: Claim,
  agent: AgentRecord,
  idempotencyKey: string,
  signal: AbortSignal,
  timeout: AbortSignal,
): Promise<Report> {
  const db = database(ctx.env.DB);
  const toolEnv: ToolEnv = {
    host: ctx.host,
    signal,
    cache: toolListCache(ctx.runId),
    describeAgent: async (name) => (await getAgentForStep(db, claim.tenantId, name))?.description ?? null,
  };
  const unit: UnitRequest = {
    runId: ctx.runId,
    stepId: claim.stepId,
    attempt: claim.attempt,
    input: claim.input,
    stepLoop: claim.stepLoop,
    loop: claim.loop,
    signal,
    timeoutMs: claim.timeoutMs,
  };
  // A tool call is the tool's business, not the agent's: its circuit is not involved.
  if (claim.unit?.callId && claim.call) {
    const call = claim.call;
    const outcome = await unexpected(() => runToolCall(LOOP_DEPS, agent, call, claim.unit!.turn, unit, toolEnv));
    return {
      stepId: claim.stepId,
      attempt: claim.attempt,
      unit: claim.unit,
      turn: claim.unit.turn,
      callId: claim.call.id,
      outcome,
    };
  }
  const turn = claim.unit?.turn ?? 1;
  const turnReport = (outcome: TurnOutcome): Report =>
    // Turn 1 is the attempt itself: its failure is the attempt's, so the step's retry policy applies as before.
    turn === 1 && !outcome.ok
      ? reportOf(claim, { ok: false, error: outcome.error, usage: outcome.usage }, agent.provider)
      : { stepId: claim.stepId, attempt: claim.attempt, ...(claim.unit ? { unit: claim.unit } : {}), turn, outcome };
  const gated = await throughBoth(ctx, claim, agent, timeout, async () => {
    if (!MODEL_PROVIDERS.has(agent.provider)) {
      const keys = claim.stepLoop ?? {};
      if (keys.tools?.length || keys.output_schema) {
        const error: StepError = {
          code: 'agent_error',
          message: `agent ${agent.name} (provider ${agent.provider}) is not a model: tools and output_schema need an openai or anthropic agent`,
          retryable: false,
        };
        return { report: reportOf(claim, { ok: false, error }, agent.provider), healthy: true };
      }
      const request = {
        runId: ctx.runId,
        stepId: claim.stepId,
        attempt: claim.attempt,
        idempotencyKey,
        input: claim.input,
        signal,
      };
      const result = withPricedUsage(await callAgent(agent, request, ctx.host), agent.pricing);
      return { report: reportOf(claim, result, agent.provider), healthy: result.ok || !result.error.retryable };
    }
    const outcome = pricedTurn(
      await unexpected(() => runModelTurn(LOOP_DEPS, agent, turn, unit, toolEnv)),
      agent.pricing,
    );
    return { report: turnReport(outcome), healthy: outcome.ok || !outcome.error.retryable };
  });
  if ('deferred' in gated) return gated.deferred;
  if ('report' in gated) return gated.report;
  return MODEL_PROVIDERS.has(agent.provider)
    ? turnReport({ ok: false, error: gated.error, provider: agent.provider })
    : reportOf(claim, { ok: false, error: gated.error }, agent.provider);
}

/** A call of `agent` within its `max_concurrency` ({@link throughSlots}), then through its circuit breaker. */
function throughBoth(
  ctx: Context,
  claim: Claim,
  agent: AgentRecord,
  timeout: AbortSignal,
  call: () => Promise<{ report: Report; healthy: boolean }>,
) {
  const circuit = () => throughCircuit(ctx, claim.tenantId, agent, timeout, call);
  return throughSlots(ctx.env, ctx.runId, claim, agent, ctx.background, circuit);
}

/**
 * Runs a call of `agent` through its circuit breaker (builtin tools cannot be down). Only the
 * agent's own failures count against it (network, timeouts, 5xx, 429), not bad requests, nor a
 * call the run abandoned (cancelled, failed): unless it was the probe, which must report. A call
 * let through is counted started, and one with no outcome to count abandoned, so the circuit
 * knows the calls in flight.
 * @returns the call's report, or the `circuit_open` failure (retryable) when the circuit refused it.
 */
async function throughCircuit(
  ctx: Context,
  tenantId: string,
  agent: AgentRecord,
  timeout: AbortSignal,
  call: () => Promise<{ report: Report; healthy: boolean }>,
): Promise<{ report: Report } | { error: StepError }> {
  const circuit = agent.provider === 'builtin' ? null : new CircuitGate(ctx.env, tenantId, agent.name, ctx.background);
  const gate = circuit ? await circuit.acquire() : { allowed: true };
  if (!gate.allowed) {
    const error: StepError = {
      code: 'circuit_open',
      message: `agent ${agent.name} is failing; its circuit is open`,
      retryable: true,
      retryAfterMs: gate.retryAfterMs,
    };
    return { error };
  }
  let done: { report: Report; healthy: boolean };
  try {
    done = await call();
  } catch (err) {
    await circuit?.record(null); // a binding failed: the call says nothing of the agent
    throw err;
  }
  const abandoned = !!ctx.cancel?.aborted && !timeout.aborted;
  await circuit?.record(abandoned && !circuit.isProbe ? null : done.healthy);
  return { report: done.report };
}

/** The report of an attempt's outcome. */
export function reportOf(claim: Claim, result: AgentResult, provider: string): Report {
  const ref = { stepId: claim.stepId, attempt: claim.attempt };
  return result.ok
    ? { ...ref, ok: true, output: result.output, usage: result.usage, provider }
    : { ...ref, ok: false, error: result.error, usage: result.usage, provider };
}

/**
 * A unit of a loop whose code threw (a bug, or a library that throws where it should not): a
 * non-retryable `internal_error` the loop records, instead of a unit left unreported.
 */
async function unexpected<T>(unit: () => Promise<T>): Promise<T | { ok: false; error: StepError }> {
  try {
    return await unit();
  } catch (err) {
    console.error('agent loop unit failed unexpectedly', err);
    return {
      ok: false,
      error: {
        code: 'internal_error',
        message: `unexpected: ${(err as Error)?.message ?? err}`.slice(0, 500),
        retryable: false,
      },
    };
  }
}
