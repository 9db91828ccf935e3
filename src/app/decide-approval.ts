import { BatonError } from '../core/errors';
import type { ApprovalRecord, DecideApprovalPorts } from '../ports';
import type { Decision } from '../schemas/steps';

/** How a decision arrived, for the audit log. */
export type DecisionChannel = 'api' | 'link' | 'email';

/** A decision on an approval round: `by` is the deciding assignee's address, or `api`. */
export interface ApprovalDecision {
  id: string;
  decision: Decision;
  comment?: string;
  by: string;
  channel: DecisionChannel;
  /** The Message-ID of the reply that decided (channel `email`), for the audit log's "from where". */
  messageId?: string;
}

/** What became of a decision. */
export interface DecisionResult {
  approval: ApprovalRecord;
  /** The approval step's status after: `succeeded`, `failed` (rejected), `pending` (changes requested), or still `waiting` (quorum not reached). */
  stepStatus: string | null;
}

/**
 * Takes a decision on an approval round, as `POST /api/approvals/:id`, a signed link or an email
 * reply would, and records it in the audit log. `by: 'api'` is an admin decision, final whatever
 * the quorum.
 * @throws BatonError `not_found` (unknown id), `bad_request` (not one of the options),
 * `conflict` (no longer pending, not an assignee, or this assignee decided already).
 */
export async function decideApproval(
  ports: DecideApprovalPorts,
  tenantId: string,
  d: ApprovalDecision,
): Promise<DecisionResult> {
  const approval = await ports.approvals.get(tenantId, d.id);
  if (!approval) throw new BatonError('not_found', `approval ${d.id} does not exist`);
  if (!approval.options.includes(d.decision))
    throw new BatonError(
      'bad_request',
      `'${d.decision}' is not an option of this approval; options: ${approval.options.join(', ')}`,
    );
  if (approval.status !== 'pending')
    throw new BatonError('conflict', `approval ${d.id} is already ${approval.status.replace('_', ' ')}`);
  const by = d.by.toLowerCase();
  if (by !== 'api' && !approval.assignees.some((a) => a.toLowerCase() === by))
    throw new BatonError('conflict', `${d.by} is not an assignee of this approval`);
  const result = await ports.runControl.decideApproval(approval.runId, {
    stepId: approval.stepId,
    round: approval.round,
    ...(approval.toolCall ? { toolCall: { turn: approval.toolCall.turn, callId: approval.toolCall.callId } } : {}),
    ...(approval.kind === 'budget' ? { budget: true as const } : {}),
    decision: d.decision,
    comment: d.comment?.trim() || undefined,
    by,
  });
  if (!result.counted)
    throw new BatonError(
      'conflict',
      by === 'api'
        ? `approval ${d.id} is no longer pending`
        : `approval ${d.id} is no longer pending, or ${d.by} decided already`,
    );
  await ports.approvals.audit(tenantId, {
    actor: d.channel === 'api' ? by : `${d.channel}:${by}`,
    action: `approval.${d.decision}`,
    subject: d.id,
    details: {
      comment: d.comment ?? null,
      stepStatus: result.stepStatus,
      ...(d.messageId ? { messageId: d.messageId.slice(0, 998) } : {}),
    },
  });
  return { approval, stepStatus: result.stepStatus };
}
