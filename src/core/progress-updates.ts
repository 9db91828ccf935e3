import type { RunState } from './engine/index';
import { nodeOf } from './engine/instances';
import { stepProgress } from './engine/progress';
import { unreachable } from './unreachable';

/**
 * Progress emails (issue 20): what a commit tells an email-started run's requester, given the
 * workflow's `notify.on`. `failed` and `completed` are told by the run's result reply (always
 * sent), so they add no update of their own.
 */

/** One thing worth telling. */
export type ProgressUpdate =
  | { event: 'started' }
  | { event: 'step_succeeded'; step: string }
  | { event: 'waiting'; step: string; kind: string };

/** Most updates one email lists; beyond them it says how many more there were. */
export const MAX_UPDATES_PER_EMAIL = 20;

/** Kinds whose instances are containers: their steps are told, not they. */
const BLOCK_KINDS = new Set(['parallel', 'foreach', 'switch']);

/**
 * The updates between two states of a run (`before` undefined for a new run), those the
 * definition's `notify.on` lists, in order.
 * @param changed the step instance keys the commit changed
 */
export function progressUpdates(
  before: RunState | undefined,
  after: RunState,
  changed: readonly string[],
): ProgressUpdate[] {
  const on = new Set(after.definition.notify?.on ?? []);
  if (!on.size) return [];
  const updates: ProgressUpdate[] = [];
  const wasQueued = !before || before.status === 'queued';
  if (on.has('started') && wasQueued && after.status !== 'queued') updates.push({ event: 'started' });
  for (const key of changed) {
    const now = after.steps[key];
    const then = before?.steps[key];
    if (!now || now.status === then?.status) continue;
    const kind = nodeOf(after, key).kind;
    if (BLOCK_KINDS.has(kind)) continue;
    if (on.has('step_succeeded') && now.status === 'succeeded') updates.push({ event: 'step_succeeded', step: key });
    if (on.has('waiting') && now.status === 'waiting') updates.push({ event: 'waiting', step: key, kind });
  }
  return updates;
}

/** Estimated time left as a person reads it. */
function about(ms: number): string {
  if (ms < 60_000) return `about ${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 7_200_000) return `about ${Math.round(ms / 60_000)} min`;
  return `about ${Math.round(ms / 360_000) / 10} h`;
}

/**
 * The text of one progress email.
 * @param plan for `started`: the steps in order, and the critical path's estimate (ms)
 * @param more updates held back beyond {@link MAX_UPDATES_PER_EMAIL}
 */
export function progressText(
  state: RunState,
  updates: readonly ProgressUpdate[],
  more: number,
  plan: { steps: string[]; estimateMs: number } | null,
): string {
  const lines = updates.map((u) => updateLine(u, plan));
  if (more > 0) lines.push(`(and ${more} more update${more === 1 ? '' : 's'})`);
  const { done, total } = stepProgress(Object.values(state.steps));
  return [
    ...lines,
    '',
    `${state.workflow} run ${state.runId}: ${done} of ${total} steps done. The result follows in this thread.`,
  ].join('\n');
}

function updateLine(u: ProgressUpdate, plan: { steps: string[]; estimateMs: number } | null): string {
  switch (u.event) {
    case 'started':
      return plan
        ? `Started: ${plan.steps.join(' → ')} (${plan.steps.length} steps), estimated ${about(plan.estimateMs)}.`
        : 'Started.';
    case 'step_succeeded':
      return `✓ ${u.step} done.`;
    case 'waiting':
      if (u.kind === 'approval') return `… ${u.step} waits for an approval.`;
      return `… ${u.step} waits${u.kind === 'wait_for_event' ? ' for an event' : ''}.`;
    default:
      return unreachable(u, 'progress update');
  }
}
