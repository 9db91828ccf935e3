import { describe, expect, it } from 'vitest';
import { AGENT_CACHE_MAX, getAgentForStep } from '../../../../src/adapter/cloudflare/d1/agents';
import type { Database } from '../../../../src/adapter/cloudflare/d1/client';

/** A database that answers every agent read at once with no agent, counting the reads. */
function countingDb() {
  const counter = { reads: 0 };
  const db = {
    query: {
      agents: {
        findFirst: async () => {
          counter.reads++;
          return undefined;
        },
      },
    },
  } as unknown as Database;
  return { db, counter };
}

describe('the agent cache of step execution', () => {
  it(`reuses a record it read, and holds at most ${AGENT_CACHE_MAX}: the least recently used is read again`, async () => {
    const { db, counter } = countingDb();
    await getAgentForStep(db, 'default', 'cache-first');
    await getAgentForStep(db, 'default', 'cache-first');
    expect(counter.reads).toBe(1);
    for (let i = 0; i < AGENT_CACHE_MAX; i++) await getAgentForStep(db, 'default', `cache-${i}`);
    expect(counter.reads).toBe(AGENT_CACHE_MAX + 1);
    await getAgentForStep(db, 'default', `cache-${AGENT_CACHE_MAX - 1}`);
    expect(counter.reads).toBe(AGENT_CACHE_MAX + 1);
    expect(await getAgentForStep(db, 'default', 'cache-first')).toBeNull();
    expect(counter.reads).toBe(AGENT_CACHE_MAX + 2);
  });
});
