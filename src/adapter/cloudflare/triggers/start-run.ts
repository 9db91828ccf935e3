import { runIdOf } from '../../../app/start-run';
import { startRun, startRunPorts, START_TIMEOUT_MS } from '../host';
import type { AppEnv } from '../env';
import type { RunStart } from '../../../ports';

export type { StartRunRequest, StartRunResult } from '../../../app/start-run';
export type { ParentLink, RunStart } from '../../../ports';
export { startRun, START_TIMEOUT_MS };

/** A sortable run id (see runIdOf) with fresh randomness. @param now epoch ms */
export function newRunId(now: number): string {
  return runIdOf(now, crypto.randomUUID());
}

/**
 * Starts a run's RunObject (a no-op when it exists), waiting at most {@link START_TIMEOUT_MS}.
 * @throws the object's error, or an Error when it did not answer in time.
 */
export function startRunObject(env: AppEnv, run: RunStart): Promise<void> {
  return startRunPorts(env).runStarter.start(run);
}
