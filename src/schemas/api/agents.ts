import { z } from 'zod';
import { named, IsoOrNull } from './common';
import { AgentRecord } from '../agent';

/* Agents, their circuits and statistics. */

/** An agent as stored (`config` as given; secret header values redacted for non-admins). */
export const Agent = named(AgentRecord, 'Agent');
/** An agent's circuit breaker in the current window. */
export const Circuit = z
  .object({
    state: z.enum(['closed', 'open', 'half_open']),
    calls: z.number().describe('Calls finished in the window'),
    failureRate: z.number().describe('Failed share (0–1) of the calls finished in the window'),
    inFlight: z
      .number()
      .describe(
        'Calls started in the window and not finished; the rate that opens the circuit counts them as successes to come',
      ),
    openedAt: IsoOrNull,
  })
  .openapi('Circuit');
/** An agent's attempts over a window: calls, success rate 0–1, latency percentiles (ms), calls per hour, tokens, cost (USD, total and per call). */
export const AgentStats = z
  .object({
    calls: z.number(),
    succeeded: z.number(),
    successRate: z.number().nullable(),
    p50Ms: z.number().nullable(),
    p95Ms: z.number().nullable(),
    costUsd: z.number(),
    costPerCallUsd: z.number().nullable(),
    throughputPerHour: z.number().nullable(),
    inputTokens: z.number(),
    outputTokens: z.number(),
  })
  .openapi('AgentStats');
export type AgentStats = z.infer<typeof AgentStats>;
const dependants = z
  .number()
  .int()
  .describe("How many workflows' latest version use the agent: name it, or select by a skill it has");
/** One agent with its circuit, the statistics of its recent attempts and its dependants. */
export const AgentWithCircuit = z
  .object({ ...AgentRecord.shape, circuit: Circuit, stats: AgentStats, dependants })
  .openapi('AgentWithCircuit');
export const AgentHealth = z
  .object({
    ...AgentRecord.shape,
    circuit: Circuit.optional(),
    stats: AgentStats.optional(),
    dependants: dependants.optional(),
  })
  .openapi('AgentHealth');
/** Every version of an agent, newest first. */
export const AgentVersionList = z.object({ versions: z.array(AgentRecord) }).openapi('AgentVersionList');
export type Agent = z.infer<typeof AgentHealth>;
export const AgentList = z.object({ agents: z.array(AgentHealth) }).openapi('AgentList');
