import type { AlertRuleBody } from '../schemas/api/alerts';
import type { RunStatus } from '../schemas/enums';

/**
 * Alert rules (issue 20: alerts), the pure part: which rule watches what, when one fires, and what
 * it says. Reading the runs and sending the notices is the adapter's.
 */

/** What an alert is about: a run of a workflow, or an agent. */
export interface AlertSubject {
  workflow?: string;
  agent?: string;
}

/** Whether `rule` watches `subject`: a rule without a workflow (agent) watches every one. */
export function ruleWatches(rule: AlertRuleBody, subject: AlertSubject): boolean {
  if (rule.type === 'circuit_open') return !rule.agent || rule.agent === subject.agent;
  return !rule.workflow || rule.workflow === subject.workflow;
}

/**
 * Whether the latest runs (newest first) make a failed streak: the newest `streak` all failed.
 * Cancelled runs break a streak like completed ones: a person ended them.
 */
export function failedStreak(latest: readonly RunStatus[], streak: number): boolean {
  return latest.length >= streak && latest.slice(0, streak).every((s) => s === 'failed');
}

/**
 * Whether a rule that last notified at `lastNotifiedAt` may notify again at `now`.
 * @param lastNotifiedAt epoch ms, or null when it never did
 * @param cooldownMs ms
 * @param now epoch ms
 */
export function cooldownPassed(lastNotifiedAt: number | null, cooldownMs: number, now: number): boolean {
  return lastNotifiedAt === null || now - lastNotifiedAt >= cooldownMs;
}

/** The UTC day of an ISO instant, `YYYY-MM-DD`. */
export function utcDay(iso: string): string {
  return iso.slice(0, 10);
}

/** Duration as a person says it: 90 s, 12 min, 3.5 h. */
export function spoken(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
