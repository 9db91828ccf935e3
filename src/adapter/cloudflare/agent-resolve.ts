import type { PinnedAgent } from '../../core/engine/types';
import type { AgentRecord } from '../../schemas/agent';
import type { StepError } from '../../schemas/errors';
import { getAgentForStep } from './d1/agents';
import { getAgentVersionForStep } from './d1/agent-versions';
import type { Database } from './d1/client';

/** Most `replaced_by` hops followed from an offline agent before its call fails `agent_offline`. */
export const MAX_REPLACEMENT_HOPS = 3;

const failure = (code: 'agent_not_found' | 'agent_offline', message: string): { error: StepError } => ({
  error: { code, message, retryable: false },
});

/**
 * The agent record a step attempt calls: `version` of `name` (a pinned version, read once per
 * isolate: versions are immutable), or its current version (read at most every 5 s per isolate).
 * While the agent is `offline` (its current status), the call goes to its `replaced_by` — that
 * agent's version in `pinned` (the run's pinned map), else its current one — at most
 * {@link MAX_REPLACEMENT_HOPS} hops and never in a loop.
 * @returns the record, or a non-retryable `agent_not_found` (unknown agent or version) or
 * `agent_offline` (offline without a usable replacement) naming the agent.
 */
export async function resolveAgent(
  db: Database,
  tenantId: string,
  name: string,
  version?: number,
  pinned?: Readonly<Record<string, PinnedAgent>>,
): Promise<{ agent: AgentRecord } | { error: StepError }> {
  const seen: string[] = [];
  let current = name;
  let wanted = version;
  for (;;) {
    seen.push(current);
    const latest = await getAgentForStep(db, tenantId, current);
    const via = seen.length > 1 ? ` (the replacement of offline agent '${seen[0]}')` : '';
    if (!latest) return failure('agent_not_found', `agent '${current}'${via} is not registered`);
    if (latest.status !== 'offline') {
      if (wanted === undefined || wanted === latest.version) return { agent: latest };
      const old = await getAgentVersionForStep(db, tenantId, current, wanted);
      return old ? { agent: old } : failure('agent_not_found', `agent '${current}' has no version ${wanted}${via}`);
    }
    const next = latest.replaced_by;
    if (!next) return failure('agent_offline', `agent '${current}'${via} is offline and names no replaced_by`);
    if (seen.includes(next))
      return failure(
        'agent_offline',
        `agent '${name}' is offline and its replacements loop (${[...seen, next].join(' → ')})`,
      );
    if (seen.length > MAX_REPLACEMENT_HOPS)
      return failure(
        'agent_offline',
        `agent '${name}' is offline and no replacement within ${MAX_REPLACEMENT_HOPS} hops is online (${seen.join(' → ')})`,
      );
    current = next;
    wanted = pinned?.[next]?.version;
  }
}
