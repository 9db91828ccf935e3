import { mailSettingsOf } from './mail-settings';
import { database } from './d1/client';
import { d1Repositories } from './d1/repositories';
import { storedSecret } from './d1/secrets';
import { workerSecret, type AppEnv } from './env';
import type { HostPorts, Mailer, RunControl, SecretStore } from '../../ports';
import { RESERVED_SECRETS } from '../../schemas/secret-names';
import { composeNote } from '../../app/mail/compose-reply';
import { newMessageId, sendRecorded } from './mail/mailer';
import { runObjectStarter } from './run/run-starter';
import { triggerBufferOf } from './trigger-buffer-port';
import { flowControlOf } from './flow-chain';

export { runObjectStarter as runObjectStarterOf, startRun, startRunPorts, START_TIMEOUT_MS } from './run/run-starter';

/**
 * The ports of src/ports.ts over the Worker's bindings: D1 (`DB`), the RunObjects (`RUNS`), the
 * `send_email` binding (`EMAIL`), the secrets (`SECRETS_KEY`, Worker secrets) and the mail settings
 * (`LINK_SIGNING_KEY`/`ADMIN_TOKEN`, `MAIL_DOMAIN`). The one place the use cases meet `env`.
 */
export function hostPorts(env: AppEnv): HostPorts {
  return {
    ...d1Repositories(database(env.DB)),
    runStarter: runObjectStarter(env.RUNS),
    buffer: triggerBufferOf(env),
    flow: flowControlOf(env),
    runControl: runControlOf(env.RUNS),
    mailer: mailerOf(env),
    secrets: secretStoreOf(env),
    mail: mailSettingsOf(env),
    clock: { now: () => Date.now() },
    ids: { uuid: () => crypto.randomUUID() },
  };
}

/** Commands to running runs, by RPC to their RunObject. */
export function runControlOf(runs: AppEnv['RUNS']): RunControl {
  return { decideApproval: (runId, vote) => runs.get(runs.idFromName(runId)).decideApproval(vote) };
}

/** Notes composed as plain-text MIME, sent with the `send_email` binding and recorded (see sendRecorded). */
function mailerOf(env: AppEnv): Mailer {
  return {
    sendNote: async (tenantId, note) => {
      await sendRecorded(env, tenantId, {
        dedupeId: note.dedupeId,
        runId: note.runId,
        workflow: note.workflow,
        compose: () =>
          composeNote({
            from: note.from,
            to: note.to,
            subject: note.subject,
            messageId: newMessageId(note.from),
            now: Date.now(),
            thread: note.thread,
            text: note.text,
          }),
      });
    },
  };
}

/** A stored secret (`PUT /api/secrets`, AES-GCM under SECRETS_KEY), else the Worker secret; never a reserved one. */
export function secretStoreOf(env: AppEnv): SecretStore {
  return {
    async get(tenantId, name) {
      if (RESERVED_SECRETS.has(name)) return undefined;
      return (
        (await storedSecret(database(env.DB), env.SECRETS_KEY, tenantId, name)) ?? workerSecret(env, tenantId, name)
      );
    },
  };
}
