import type { AgentSelector } from '../../schemas/definition';
import type { StepError } from '../../schemas/errors';
import { retryPolicyFor } from './agent-defaults';
import { nodeOf } from './instances';
import { own } from './steps';
import type { AgentSelection, RunState, SharedStep } from './types';

/** Most candidates one selection considers (and so most agents a step falls back through). */
export const MAX_CANDIDATES = 10;

/** What an executor needs to pick the agent of a selecting step's attempt. */
export interface SelectionRequest {
  skill: string;
  domain?: string;
  prefer: AgentSelector['prefer'];
  /** Agents this step is done with: their retries are spent, or their circuit was open. */
  exclude: string[];
  /** The agent of the previous attempt, still within its retries (or the one this attempt waited for a slot of): the attempt goes to it again. */
  keep?: string;
}

/** The selector of a step instance that picks its agent by skill, or undefined. */
export function selectorOf(state: RunState, key: string): AgentSelector | undefined {
  const def = nodeOf(state, key).step;
  return 'agent' in def && typeof def.agent === 'object' ? def.agent : undefined;
}

/**
 * Agents a selecting step is done with: each agent whose attempts reached the retry policy's
 * `max_attempts` (the agent's own `retry` when pinned, else the step's, else the default), or that
 * answered `circuit_open`. Only with `fallback`; without it the step's retries apply as usual.
 */
function spentAgents(state: RunState, key: string, step: SharedStep): string[] {
  const counts = new Map<string, number>();
  const spent = new Set<string>();
  for (const a of step.attempts) {
    if (!a.agent || a.status === 'running') continue;
    counts.set(a.agent, (counts.get(a.agent) ?? 0) + 1);
    const max = retryPolicyFor(state, key, a.agent).max_attempts;
    if (a.error?.code === 'circuit_open' || counts.get(a.agent)! >= max) spent.add(a.agent);
  }
  return [...spent];
}

/** The selection request of the current attempt of a selecting step instance (for its claim). */
export function selectionRequest(state: RunState, key: string): SelectionRequest | undefined {
  const selector = selectorOf(state, key);
  if (!selector) return undefined;
  const step = state.steps[key]!;
  // The attempt's own agent when it waited for that agent's slot, else the previous attempt's.
  const previous = step.attempts.at(-1)?.agent ?? (step.attempts.length > 1 ? step.attempts.at(-2)?.agent : undefined);
  const exclude = selector.fallback ? spentAgents(state, key, step) : [];
  const keep = previous && !exclude.includes(previous) ? previous : undefined;
  return {
    skill: selector.skill,
    ...(selector.domain ? { domain: selector.domain } : {}),
    prefer: selector.prefer,
    exclude,
    ...(keep ? { keep } : {}),
  };
}

/** Records which agent served an attempt (and how a selection chose it) from its report. */
export function noteAgent(state: RunState, key: string, report: { agent?: string; selection?: AgentSelection }): void {
  if (!report.agent && !report.selection) return;
  const attempt = own(state, key).attempts.at(-1)!;
  if (report.agent) attempt.agent = report.agent;
  if (report.selection) attempt.selection = report.selection;
}

/**
 * After a failed attempt of a step instance: what selection says. `plain` — not a selecting step
 * with `fallback`, or nothing known of the agent: the step's retry policy decides as usual;
 * `same` — the attempt's agent has retries left (its own policy): back off and call it again;
 * `next` — its retries are spent (or its circuit was open) and another candidate is left: go on at
 * once; `none` — every candidate is spent: the step fails with `error`, naming the agents tried.
 */
export function fallbackAfter(
  state: RunState,
  key: string,
  error: StepError,
): { kind: 'plain' | 'same' | 'next' } | { kind: 'none'; error: StepError } {
  const selector = selectorOf(state, key);
  const step = state.steps[key]!;
  const last = step.attempts.at(-1)!;
  if (!selector?.fallback || !error.retryable || !last.agent) return { kind: 'plain' };
  const spent = spentAgents(state, key, step);
  if (!spent.includes(last.agent)) return { kind: 'same' };
  const candidates = last.selection?.candidates ?? [last.agent];
  if (candidates.some((c) => !spent.includes(c))) return { kind: 'next' };
  return {
    kind: 'none',
    error: {
      ...error,
      retryable: false,
      message: `${error.message} (every agent with skill ${selector.skill} failed: ${spent.join(', ')})`,
    },
  };
}
