import { startRun as startRunOn, type StartRunRequest, type StartRunResult } from '../../../app/start-run';
import { database } from '../d1/client';
import { d1Repositories } from '../d1/repositories';
import type { AppEnv } from '../env';
import { triggerBufferOf } from '../trigger-buffer-port';
import { flowControlOf } from '../flow-chain';
import type { RunStarter, StartRunPorts } from '../../../ports';

/** Longest wait for a RunObject to start, ms; past it the start is left to the sweeper. */
export const START_TIMEOUT_MS = 10_000;

/** Starts RunObjects (binding `RUNS`), waiting at most {@link START_TIMEOUT_MS} for each. */
export function runObjectStarter(runs: AppEnv['RUNS']): RunStarter {
  return {
    async start(run) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the RunObject did not start within ${START_TIMEOUT_MS} ms`)),
          START_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([runs.get(runs.idFromName(run.runId)).start(run), timeout]);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  };
}

/**
 * The ports of the start-run use case over the Worker's bindings (`DB`, `RUNS`, `BUFFERS` for
 * debounce/batch, `FLOW_GATES` for flow control), the host clock and `crypto.randomUUID`.
 */
export function startRunPorts(
  env: Pick<AppEnv, 'DB' | 'RUNS' | 'BUFFERS'> & Partial<Pick<AppEnv, 'FLOW_GATES'>>,
): StartRunPorts {
  const { workflows, runs, agents } = d1Repositories(database(env.DB));
  return {
    buffer: triggerBufferOf(env),
    ...(env.FLOW_GATES ? { flow: flowControlOf(env as AppEnv) } : {}),
    workflows,
    agents,
    runs,
    runStarter: runObjectStarter(env.RUNS),
    clock: { now: () => Date.now() },
    ids: { uuid: () => crypto.randomUUID() },
  };
}

/**
 * Starts a run on the Worker's bindings (see the use case, src/app/start-run.ts).
 * @throws {BatonError} as the use case does.
 */
export function startRun(
  env: Pick<AppEnv, 'DB' | 'RUNS' | 'BUFFERS'> & Partial<Pick<AppEnv, 'FLOW_GATES'>>,
  tenantId: string,
  request: StartRunRequest,
): Promise<StartRunResult> {
  return startRunOn(startRunPorts(env), tenantId, request);
}
