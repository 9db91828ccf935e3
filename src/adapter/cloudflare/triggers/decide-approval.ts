import {
  decideApproval as decideApprovalOn,
  type ApprovalDecision,
  type DecisionResult,
} from '../../../app/decide-approval';
import { hostPorts } from '../host';
import type { AppEnv } from '../env';

export type { ApprovalDecision, DecisionChannel, DecisionResult } from '../../../app/decide-approval';

/**
 * An approval decision (API, signed link) on the Worker's bindings: see src/app/decide-approval.ts.
 * @throws {BatonError} `not_found`, `bad_request`, `conflict`.
 */
export function decideApproval(env: AppEnv, tenantId: string, d: ApprovalDecision): Promise<DecisionResult> {
  return decideApprovalOn(hostPorts(env), tenantId, d);
}
