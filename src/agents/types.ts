import type { Usage } from '../core/engine';
import type { AgentRecord } from '../schemas/agent';
import type { StepError } from '../schemas/errors';

/** One attempt of a step, as handed to an agent provider. */
export interface AgentRequest {
  runId: string;
  stepId: string;
  attempt: number;
  /** `${runId}:${stepId}:${attempt}`; providers pass it on so agents can dedupe retries. */
  idempotencyKey: string;
  input: unknown;
  /** Aborts when the attempt's timeout passes. */
  signal: AbortSignal;
}

/** What a provider answers: never throws for agent failures, classifies them once. */
export type AgentResult = { ok: true; output: unknown; usage?: Usage } | { ok: false; error: StepError; usage?: Usage };

/** What providers may use from the host: outbound HTTP and named secrets. */
export interface AgentHost {
  fetch: typeof fetch;
  /**
   * The value of a secret a definition names, to be sent to `destination` (absolute URL), or undefined.
   * @throws {BatonError} `secret_unreadable`; `secret_host_denied` when the secret may not go to that host.
   */
  secret(name: string, destination: string): Promise<string | undefined>;
}

export type Provider = (agent: AgentRecord, request: AgentRequest, host: AgentHost) => Promise<AgentResult>;

const parsedConfigs = new WeakMap<object, unknown>();

/**
 * An agent's `config` validated by its provider's schema, once per record object: step execution
 * reuses cached agent records, so a chain of calls parses the config once.
 * @throws ZodError for an invalid stored config (callAgent classifies it).
 */
export function configOf<T>(agent: AgentRecord, schema: { parse(value: unknown): T }): T {
  if (!parsedConfigs.has(agent)) parsedConfigs.set(agent, schema.parse(agent.config));
  return parsedConfigs.get(agent) as T;
}
