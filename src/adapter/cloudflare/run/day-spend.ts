import { isRunTerminal, type RunEvent, type RunState } from '../../../core/engine/index';
import { utcDay } from '../../../core/engine/budget';
import { database } from '../d1/client';
import { workflowSpendOn } from '../d1/workflow-spend';

/** How long a RunObject reuses its reading of the day's spend, ms. */
export const DAY_SPEND_CACHE_MS = 5_000;

/**
 * Reads, for a run whose workflow has `budget.usd_per_day`, what the workflow's other runs spent
 * today (UTC) from D1, at most every {@link DAY_SPEND_CACHE_MS}, as the `BudgetSpendRead` event
 * the engine checks the daily budget with. The run's own attempts are the engine's to count.
 * Granularity: other runs' attempts count once their RunObjects mirrored them to D1.
 */
export class DaySpend {
  private last: { day: string; usd: number; at: number } | null = null;

  constructor(
    private readonly db: D1Database,
    private readonly tenantId: () => string,
  ) {}

  /** @returns the event to decide first, or null (no daily budget, run ended, or D1 failed: the last reading stays). */
  async event(state: RunState, now: number): Promise<RunEvent | null> {
    if (state.definition.budget?.usd_per_day === undefined || isRunTerminal(state)) return null;
    const day = utcDay(now);
    if (!this.last || this.last.day !== day || now - this.last.at > DAY_SPEND_CACHE_MS) {
      try {
        const usd = await workflowSpendOn(database(this.db), this.tenantId(), state.workflow, day, state.runId);
        this.last = { day, usd, at: now };
      } catch (err) {
        console.error('reading the day spend failed', (err as Error)?.message);
        return null;
      }
    }
    const known = state.budget?.others;
    if (known?.day === this.last.day && known.usd === this.last.usd) return null;
    return { type: 'BudgetSpendRead', day: this.last.day, othersUsd: this.last.usd };
  }
}
