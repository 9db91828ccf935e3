import type { AgentPricing } from '../../schemas/agent';
import type { AgentStatus } from '../../schemas/enums';

/**
 * One agent as the planner sees it: what it does, what it costs and how fast it is, from the
 * registry record and the statistics of its recent attempts.
 */
export interface RegistryEntry {
  name: string;
  version: number;
  provider: string;
  status: AgentStatus;
  description?: string;
  domain?: string;
  skills: string[];
  pricing?: AgentPricing;
  /** Median latency of its recent ended attempts, ms; null without history. */
  p50Ms: number | null;
  /** Mean reported cost of its recent ended attempts, USD; null without history or cost. */
  costPerCallUsd: number | null;
  /** Ended attempts in the statistics window. */
  calls: number;
}

/** Most agents shown to the planner (active and beta first, then by name). */
export const MAX_REGISTRY_ENTRIES = 100;

/**
 * The agents a planner may use: not offline, active and beta before deprecated, by name, at most
 * {@link MAX_REGISTRY_ENTRIES}.
 */
export function plannable(entries: readonly RegistryEntry[]): RegistryEntry[] {
  const rank = (s: AgentStatus) => (s === 'deprecated' ? 1 : 0);
  return entries
    .filter((e) => e.status !== 'offline')
    .sort((a, b) => rank(a.status) - rank(b.status) || a.name.localeCompare(b.name))
    .slice(0, MAX_REGISTRY_ENTRIES);
}

/**
 * The estimated cost of one call of an agent, USD: the mean of its history when known, else its
 * `pricing.per_call`. @returns null when neither is known.
 */
export function callCostOf(entry: RegistryEntry): number | null {
  if (entry.costPerCallUsd !== null) return entry.costPerCallUsd;
  return entry.pricing?.per_call ?? null;
}
