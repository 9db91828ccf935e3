import { failedStreak, ruleWatches, spoken, utcDay } from '../../../core/alerts';
import { durationMs } from '../../../core/definition/duration';
import { usd } from '../../../core/engine/budget';
import type { StepError } from '../../../schemas/errors';
import type { RunStatus } from '../../../schemas/enums';
import {
  dayCostUsd,
  enabledRules,
  enabledRulesOfType,
  latestRunStatuses,
  stuckRuns,
  type AlertRuleRow,
} from '../d1/alerts';
import { database } from '../d1/client';
import { latestRunScores } from '../d1/scores';
import { qualityDropStarts } from '../../../core/evaluation';
import { getWorkflowVersion } from '../d1/workflows';
import type { AppEnv } from '../env';
import { fireAlert, type Firing } from './fire';

/** Rules of one type the cron checks per minute, over all tenants; stuck runs alerted per rule and minute. */
export const STUCK_RULES_PER_SWEEP = 200;
export const STUCK_RUNS_PER_RULE = 20;

/** An ended run, as the alert checks read it. */
export interface EndedRun {
  runId: string;
  workflow: string;
  status: RunStatus;
  /** USD */
  costUsd: number;
  /** ISO 8601 */
  endedAt: string;
  error?: StepError | { code: string; message: string };
  owners?: readonly string[];
  /** Times the run was restarted: each end of a restarted run may alert again. */
  restarts?: number;
}

/**
 * The alerts a run's end may raise: `run_failed` (with its streak) and `cost_over` (the run, or
 * its UTC day). Called once the run's analytics rollup is written, which the checks read.
 * @param now epoch ms
 * @throws when D1 is unavailable (the outbox carries the end out again; alerts fire once per subject).
 */
export async function alertOnRunEnd(env: AppEnv, tenantId: string, run: EndedRun, now: number): Promise<void> {
  const db = database(env.DB);
  const rules = (await enabledRules(db, tenantId, ['run_failed', 'cost_over'])).filter((r) =>
    ruleWatches(r.rule, { workflow: run.workflow }),
  );
  for (const rule of rules) {
    const firings = await runEndFirings(db, tenantId, rule, run);
    for (const f of firings) await fireAlert(env, tenantId, f, now);
  }
}

async function runEndFirings(
  db: ReturnType<typeof database>,
  tenantId: string,
  rule: AlertRuleRow,
  run: EndedRun,
): Promise<Firing[]> {
  const about = { rule, workflow: run.workflow, runId: run.runId, owners: run.owners };
  const runSubject = `run:${run.runId}${run.restarts ? `:${run.restarts}` : ''}`;
  const spec = rule.rule;
  if (spec.type === 'run_failed') {
    if (run.status !== 'failed') return [];
    const why = run.error ? `${run.error.code}: ${run.error.message}` : 'no error recorded';
    if (spec.streak > 1 && !failedStreak(await latestRunStatuses(db, tenantId, run.workflow, spec.streak), spec.streak))
      return [];
    const message =
      spec.streak > 1
        ? `${run.workflow} failed ${spec.streak} runs in a row; the last, ${run.runId}: ${why}`
        : `${run.workflow} run ${run.runId} failed: ${why}`;
    return [{ ...about, subject: runSubject, message: message.slice(0, 1_000) }];
  }
  if (spec.type !== 'cost_over') return [];
  const firings: Firing[] = [];
  if (spec.usd !== undefined && run.costUsd > spec.usd)
    firings.push({
      ...about,
      subject: runSubject,
      message: `${run.workflow} run ${run.runId} cost ${usd(run.costUsd)}, over ${usd(spec.usd)}`,
    });
  if (spec.usd_per_day !== undefined) {
    const day = utcDay(run.endedAt);
    const total = await dayCostUsd(db, tenantId, day, spec.workflow);
    if (total > spec.usd_per_day)
      firings.push({
        ...about,
        subject: `day:${spec.workflow ?? '*'}:${day}`,
        message: `${spec.workflow ?? 'all workflows'} cost ${usd(total)} on ${day} (UTC), over ${usd(spec.usd_per_day)} a day`,
      });
  }
  return firings;
}

/**
 * The cron's `run_stuck` check: for each enabled rule, each running or waiting run with no
 * progress for the rule's `after` alerts once. Bounded per minute ({@link STUCK_RULES_PER_SWEEP},
 * {@link STUCK_RUNS_PER_RULE}); a rule that fails is logged and tried again next minute.
 * @param now epoch ms
 */
export async function alertOnStuckRuns(env: AppEnv, now: number): Promise<void> {
  const db = database(env.DB);
  for (const rule of await enabledRulesOfType(db, 'run_stuck', STUCK_RULES_PER_SWEEP)) {
    const spec = rule.rule;
    if (spec.type !== 'run_stuck') continue;
    try {
      const afterMs = durationMs(spec.after);
      const stuck = await stuckRuns(db, rule.tenantId, {
        rule: rule.name,
        workflow: spec.workflow,
        cutoff: new Date(now - afterMs).toISOString(),
        limit: STUCK_RUNS_PER_RULE,
      });
      const owners = new Map<string, readonly string[] | undefined>();
      for (const run of stuck) {
        if (!owners.has(run.workflow))
          owners.set(run.workflow, (await getWorkflowVersion(db, rule.tenantId, run.workflow))?.definition.owners);
        await fireAlert(
          env,
          rule.tenantId,
          {
            rule,
            subject: `run:${run.id}`,
            workflow: run.workflow,
            runId: run.id,
            message: `${run.workflow} run ${run.id} is ${run.status} with no progress for ${spoken(now - Date.parse(run.progressAt))} (since ${run.progressAt})`,
            owners: owners.get(run.workflow),
          },
          now,
        );
      }
    } catch (err) {
      console.error(`alert rule ${rule.tenantId}/${rule.name}: stuck runs not checked`, err);
    }
  }
}

/**
 * A `circuit_open` alert: the agent's circuit breaker opened (its calls failed too often).
 * @param openedAt epoch ms, which makes the alert's subject (each opening alerts once)
 */
export async function alertOnCircuitOpen(
  env: AppEnv,
  tenantId: string,
  agent: string,
  detail: string,
  openedAt: number,
): Promise<void> {
  const db = database(env.DB);
  const rules = (await enabledRules(db, tenantId, ['circuit_open'])).filter((r) => ruleWatches(r.rule, { agent }));
  for (const rule of rules)
    await fireAlert(
      env,
      tenantId,
      { rule, subject: `circuit:${agent}:${openedAt}`, agent, message: `agent ${agent}: circuit open, ${detail}` },
      openedAt,
    );
}

/**
 * The `quality_drop` check, once a run's evaluation is complete: for each rule watching its
 * workflow, whether this run (the newest scored) starts a drop — the moving average of the last
 * `window` run scores more than `tolerance` below the `window` before, or under `below`. A drop
 * that lasts raises one alert (see `qualityDropStarts`).
 * @param now epoch ms
 */
export async function alertOnQuality(
  env: AppEnv,
  tenantId: string,
  workflow: string,
  runId: string,
  now: number,
): Promise<void> {
  const db = database(env.DB);
  const rules = (await enabledRules(db, tenantId, ['quality_drop'])).filter((r) => ruleWatches(r.rule, { workflow }));
  let owners: readonly string[] | undefined;
  for (const rule of rules) {
    const spec = rule.rule;
    if (spec.type !== 'quality_drop') continue;
    const scores = await latestRunScores(db, tenantId, workflow, 2 * spec.window + 1, spec.scorer);
    if (scores[0]?.runId !== runId) continue; // a late score of an older run: the trend moved on
    const drop = qualityDropStarts(
      scores.map((s) => s.score),
      spec,
    );
    if (!drop) continue;
    owners ??= (await getWorkflowVersion(db, tenantId, workflow))?.definition.owners ?? [];
    const what = spec.scorer ? `${spec.scorer} score` : 'score';
    const message =
      drop.kind === 'regression'
        ? `${workflow}: the mean ${what} of the last ${spec.window} runs fell to ${drop.recent.toFixed(1)} from ${drop.baseline.toFixed(1)} over the ${spec.window} before (tolerance ${spec.tolerance})`
        : `${workflow}: the mean ${what} of the last ${spec.window} runs fell to ${drop.recent.toFixed(1)}, below ${drop.baseline}`;
    await fireAlert(env, tenantId, { rule, subject: `quality:${runId}`, workflow, runId, message, owners }, now);
  }
}
