import { callAgent, type AgentHost, type AgentResult } from '../agents';
import { runHttpStep, type HttpStepInput } from '../agents/http-step';
import { runMcpStep, type McpStepInput } from '../agents/mcp-step';
import { database } from '../db/client';
import { getAgent } from '../db/agents';
import { circuitOf, type AppEnv, type StepMessage } from '../env';
import type { Claim, Report } from './run-object';
import { workerSecret } from './secrets';

/** Calls what a claimed attempt names: the agent, the HTTP request or the MCP tool. */
async function execute(env: AppEnv, message: StepMessage, claim: Claim, host: AgentHost): Promise<{ result: AgentResult; provider: string }> {
  const idempotencyKey = `${message.runId}:${message.stepId}:${message.attempt}`;
  const signal = AbortSignal.timeout(claim.timeoutMs);
  if (claim.kind === 'http') return { result: await runHttpStep(claim.input as HttpStepInput, signal, host, idempotencyKey), provider: 'http' };
  if (claim.kind === 'mcp') return { result: await runMcpStep(claim.input as McpStepInput, signal, host), provider: 'mcp' };
  const agent = claim.agent ? await getAgent(database(env.DB), claim.tenantId, claim.agent) : null;
  if (!agent) return { result: { ok: false, error: { code: 'agent_not_found', message: `agent '${claim.agent}' is not registered`, retryable: false } }, provider: 'none' };
  // Remote agents go through their circuit breaker; builtin tools cannot be down.
  const circuit = agent.provider === 'builtin' ? null : circuitOf(env, claim.tenantId, agent.name);
  const gate = circuit ? await circuit.acquire() : { allowed: true };
  if (!gate.allowed) {
    const error = { code: 'circuit_open', message: `agent ${agent.name} is failing; its circuit is open`, retryable: true, retryAfterMs: gate.retryAfterMs };
    return { result: { ok: false, error }, provider: agent.provider };
  }
  const result = await callAgent(agent, { runId: message.runId, stepId: message.stepId, attempt: message.attempt, idempotencyKey, input: claim.input, signal }, host);
  // Only the agent's own failures count against it (network, timeouts, 5xx, 429), not bad requests.
  await circuit?.record(result.ok || !result.error.retryable);
  return { result, provider: agent.provider };
}

/**
 * Executes one step attempt: claims it from the RunObject (stale and duplicate deliveries stop
 * here), calls the agent, HTTP endpoint or MCP tool with the idempotency key
 * `${runId}:${stepId}:${attempt}`, and reports the outcome. It never decides what happens next.
 * @throws when the RunObject cannot be reached, so the Queue redelivers the message.
 */
export async function executeAttempt(env: AppEnv, message: StepMessage): Promise<void> {
  const stub = env.RUNS.get(env.RUNS.idFromName(message.runId));
  // RPC types cannot express `unknown` payloads; the shape is the RunObject's own Claim.
  const claim = (await stub.claim(message.stepId, message.attempt)) as Claim | null;
  if (!claim) return;
  const host: AgentHost = { fetch: (input, init) => fetch(input, init), secret: async (name) => workerSecret(env, name) };
  const { result, provider } = await execute(env, message, claim, host);
  const report: Report = result.ok
    ? { stepId: message.stepId, attempt: message.attempt, ok: true, output: result.output, usage: result.usage, provider }
    : { stepId: message.stepId, attempt: message.attempt, ok: false, error: result.error, usage: result.usage, provider };
  await stub.report(report);
}

/**
 * Queue handler for `steps`: runs the batch's attempts concurrently (so a fan-out runs in
 * parallel), acks each one done, and retries the ones whose RunObject could not be reached.
 */
export async function consumeSteps(batch: MessageBatch<StepMessage>, env: AppEnv): Promise<void> {
  await Promise.all(batch.messages.map(async (msg) => {
    try {
      await executeAttempt(env, msg.body);
      msg.ack();
    } catch (err) {
      console.error(`step ${msg.body.runId}/${msg.body.stepId}#${msg.body.attempt}: delivery ${msg.attempts} failed`, err);
      msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) });
    }
  }));
}

/**
 * Queue handler for `steps-dlq`: an attempt whose RunObject stayed unreachable. Nothing is lost:
 * the attempt's timeout timer in the RunObject retries or fails the step; this logs the trail.
 */
export async function consumeDeadLetters(batch: MessageBatch<StepMessage>): Promise<void> {
  for (const msg of batch.messages) {
    console.warn(`dead-lettered step ${msg.body.runId}/${msg.body.stepId}#${msg.body.attempt}; its timeout will retry or fail it`);
    msg.ack();
  }
}
