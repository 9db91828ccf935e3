import { LRUCache } from 'lru-cache';
import type { ToolListCache } from '../../agents/loop';
import type { ModelTool } from '../../agents/model/types';

/** How long an isolate keeps a run's discovered MCP tool list, ms. */
export const TOOL_LIST_TTL_MS = 15 * 60_000;

/** No timers (`ttlAutopurge: false`): an entry expires when read, so nothing keeps the isolate busy. */
const lists = new LRUCache<string, ModelTool[]>({
  max: 2_000,
  ttl: TOOL_LIST_TTL_MS,
  ttlAutopurge: false,
  ttlResolution: 0,
  perf: Date,
});

/**
 * The MCP tool lists (`tools/list`) of one run, kept in this isolate: every turn of the run's loops
 * offers the model the same tools without asking the servers again. A new isolate asks once more.
 */
export function toolListCache(runId: string): ToolListCache {
  return {
    get: (key) => lists.get(`${runId}|${key}`),
    set: (key, tools) => void lists.set(`${runId}|${key}`, tools),
  };
}
