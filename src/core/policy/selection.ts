import type { AgentPreference } from '../../schemas/enums';

/** What selection knows of one candidate agent. Unknown figures are undefined. */
export interface Candidate {
  name: string;
  /** Expected cost of one call, USD: the agent's `pricing.per_call`, else its mean cost per execution. */
  costUsd?: number;
  /** Median latency of its recent attempts, ms. */
  p50Ms?: number;
  /** Share of its recent attempts that succeeded, 0–1. */
  successRate?: number;
}

/** The metric each preference sorts by, and whether lower is better. */
const METRIC: Record<AgentPreference, { pick: (c: Candidate) => number | undefined; lowerFirst: boolean }> = {
  cheapest: { pick: (c) => c.costUsd, lowerFirst: true },
  fastest: { pick: (c) => c.p50Ms, lowerFirst: true },
  most_reliable: { pick: (c) => c.successRate, lowerFirst: false },
};

/**
 * Orders candidates best first by `prefer`: cheapest by expected cost per call, fastest by p50
 * latency, most_reliable by success rate. Candidates without the figure come after those with it;
 * ties (and unknowns) by name, so the order is deterministic.
 */
export function rankCandidates(candidates: readonly Candidate[], prefer: AgentPreference): Candidate[] {
  const { pick, lowerFirst } = METRIC[prefer];
  return [...candidates].sort((a, b) => {
    const x = pick(a);
    const y = pick(b);
    if (x !== undefined && y !== undefined && x !== y) return lowerFirst ? x - y : y - x;
    if (x === undefined && y !== undefined) return 1;
    if (y === undefined && x !== undefined) return -1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** Why `chosen` won, in words, e.g. `cheapest of 3 with skill summarize ($0.001 per call)`. */
export function selectionReason(chosen: Candidate, prefer: AgentPreference, count: number, skill: string): string {
  const figure =
    prefer === 'cheapest'
      ? chosen.costUsd !== undefined
        ? `$${Number(chosen.costUsd.toPrecision(3))} per call`
        : 'no price known'
      : prefer === 'fastest'
        ? chosen.p50Ms !== undefined
          ? `p50 ${Math.round(chosen.p50Ms)} ms`
          : 'no latency known'
        : chosen.successRate !== undefined
          ? `${Math.round(chosen.successRate * 100)}% succeeded`
          : 'no history';
  return `${prefer.replace('_', ' ')} of ${count} with skill ${skill} (${figure})`;
}
