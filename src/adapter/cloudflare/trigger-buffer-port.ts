import { BatonError } from '../../core/errors';
import type { HeldTrigger, TriggerBuffer } from '../../ports';
import { database } from './d1/client';
import { getWorkflowVersion } from './d1/workflows';
import type { AppEnv } from './env';

/** The name of a trigger buffer object: `<tenant>:<workflow>:<rule>:<key>` (the key last: it may hold `:`). */
export function bufferObjectName(held: Pick<HeldTrigger, 'tenantId' | 'workflow' | 'rule' | 'key'>): string {
  return `${held.tenantId}:${held.workflow}:${held.rule}:${held.key}`;
}

/** The TriggerBuffer object (binding `BUFFERS`) of a workflow's rule and key. */
export function bufferObjectOf(env: Pick<AppEnv, 'BUFFERS'>, held: Parameters<typeof bufferObjectName>[0]) {
  return env.BUFFERS.get(env.BUFFERS.idFromName(bufferObjectName(held)));
}

/**
 * The trigger-buffer port over the `BUFFERS` Durable Objects (src/adapter/cloudflare/trigger-buffer.ts):
 * one object per (tenant, workflow, rule, key). A held trigger without its rule's `spec` has it
 * read from the catalogue (D1).
 * @throws {BatonError} `payload_too_large`, `bad_request` or `rate_limited` when the object refuses the trigger,
 * `not_found` when the workflow version or its rule is gone.
 */
export function triggerBufferOf(env: Pick<AppEnv, 'BUFFERS' | 'DB'>): TriggerBuffer {
  return {
    async hold(held) {
      const spec = held.spec ?? (await specOf(env, held));
      const answer = await bufferObjectOf(env, held).hold({ ...held, spec });
      if ('refused' in answer) throw new BatonError(answer.code, answer.refused, { path: held.rule });
      return answer;
    },
  };
}

/** The rule of the held trigger's workflow version, from the catalogue. */
async function specOf(env: Pick<AppEnv, 'DB'>, held: HeldTrigger) {
  const wf = await getWorkflowVersion(database(env.DB), held.tenantId, held.workflow, held.version);
  const spec = wf?.definition[held.rule];
  if (!spec) throw new BatonError('not_found', `workflow ${held.workflow} version ${held.version} has no ${held.rule}`);
  return spec;
}
