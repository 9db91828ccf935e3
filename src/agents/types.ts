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
export type AgentResult =
  | { ok: true; output: unknown; usage?: Usage }
  | { ok: false; error: StepError; usage?: Usage };

/** What providers may use from the host: outbound HTTP and named secrets. */
export interface AgentHost {
  fetch: typeof fetch;
  /** The value of a secret a definition names, or undefined. */
  secret(name: string): Promise<string | undefined>;
}

export type Provider = (agent: AgentRecord, request: AgentRequest, host: AgentHost) => Promise<AgentResult>;
