import { and, eq, gte, isNotNull } from 'drizzle-orm';
import { agentStats, type AgentStats, type AttemptSample } from '../../../core/policy/agent-stats';
import type { Database } from './client';
import { stepAttempts } from './schema';

/** Most attempts read for the statistics of one request; the newest are kept. */
const MAX_SAMPLES = 20_000;

/**
 * Per-agent statistics of the attempts dispatched since `since` (ISO-8601), from the D1 mirror.
 * @param windowHours the window's length, hours, for the throughput (absent: `throughputPerHour` null).
 * @returns a map from agent name to its statistics; agents without attempts are absent.
 */
export async function statsByAgent(
  db: Database,
  tenantId: string,
  since: string,
  windowHours?: number,
): Promise<Map<string, AgentStats>> {
  const rows = await db
    .select({
      agent: stepAttempts.agent,
      status: stepAttempts.status,
      startedAt: stepAttempts.startedAt,
      endedAt: stepAttempts.endedAt,
      costUsd: stepAttempts.costUsd,
      inputTokens: stepAttempts.inputTokens,
      outputTokens: stepAttempts.outputTokens,
    })
    .from(stepAttempts)
    .where(
      and(eq(stepAttempts.tenantId, tenantId), isNotNull(stepAttempts.agent), gte(stepAttempts.dispatchedAt, since)),
    )
    .limit(MAX_SAMPLES);
  const byAgent = new Map<string, AttemptSample[]>();
  for (const row of rows) {
    const samples = byAgent.get(row.agent!) ?? [];
    const durationMs = row.startedAt && row.endedAt ? Date.parse(row.endedAt) - Date.parse(row.startedAt) : null;
    samples.push({
      status: row.status,
      durationMs,
      costUsd: row.costUsd,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
    });
    byAgent.set(row.agent!, samples);
  }
  return new Map([...byAgent].map(([name, samples]) => [name, agentStats(samples, windowHours)]));
}
