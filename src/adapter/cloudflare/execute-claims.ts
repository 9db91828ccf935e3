import type { AppEnv } from './env';
import type { CallLimiter } from './call-limiter';
import { executeAttempt, hostFor } from './run/execute-attempt';
import { ReportBatcher } from './run/report-batcher';
import type { Claim, Report } from './run/attempts';

/** Reports that fail to reach the RunObject are tried this many times before the step's timeout takes over. */
const REPORT_TRIES = 3;

type RunStub = ReturnType<AppEnv['RUNS']['get']>;

/** Reports outcomes in one call, retrying a lost connection to the RunObject a few times. */
async function reportMany(stub: RunStub, reports: Report[]): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await stub.reportMany(reports);
    } catch (err) {
      if (tries >= REPORT_TRIES) throw err;
      await new Promise((r) => setTimeout(r, 50 * tries));
    }
  }
}

/**
 * Executes claimed attempts of one run side by side in this invocation, their outbound calls
 * through `limiter` (at most six waiting for headers), and reports each outcome to the run's
 * RunObject (reports that end together go in one call). It never decides what happens next.
 * @returns per claim, whether its outcome was reported; one not reported (the RunObject was
 * unreachable, a binding failed) is logged, and its timeout timer retries it.
 */
export async function executeClaims(
  env: AppEnv,
  runId: string,
  claims: readonly Claim[],
  limiter: CallLimiter,
  background: (p: Promise<unknown>) => void,
): Promise<boolean[]> {
  const stub = env.RUNS.get(env.RUNS.idFromName(runId));
  const reports = new ReportBatcher((items) => reportMany(stub, items));
  const host = (tenantId: string) => limiter.wrap(hostFor(env, tenantId));
  return Promise.all(
    claims.map(async (claim) => {
      try {
        reports.started();
        let report: Report;
        try {
          report = await executeAttempt(env, runId, claim, host(claim.tenantId), background);
        } catch (err) {
          reports.abandoned();
          throw err;
        }
        await reports.report(report);
        return true;
      } catch (err) {
        console.error(`step ${runId}/${claim.stepId}#${claim.attempt}: not executed or not reported`, err);
        return false;
      }
    }),
  );
}
