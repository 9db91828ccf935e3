import { z } from 'zod';
import { ApprovalStatus, StepStatus } from '../enums';
import { Iso, IsoOrNull } from './common';
import { Decision } from '../steps';

/* Approval rounds and decisions. */

/** One approval round (CONTRACT.md "HTTP API"). */
export const Approval = z
  .object({
    id: z.string(),
    runId: z.string(),
    stepId: z.string(),
    round: z.number().int(),
    kind: z
      .enum(['step', 'tool', 'budget'])
      .describe("What is asked: an approval step, an agent's tool call, or going past the workflow's budget"),
    workflow: z.string(),
    message: z.string(),
    options: z.array(z.string()),
    assignees: z.array(z.string()),
    quorum: z.number().int(),
    deadline: IsoOrNull,
    status: ApprovalStatus,
    decidedBy: z.string().nullable(),
    comment: z.string().nullable(),
    decidedAt: IsoOrNull,
    createdAt: Iso,
  })
  .openapi('Approval');
export type Approval = z.infer<typeof Approval>;

export const AuditEntry = z
  .object({ at: Iso, actor: z.string(), action: z.string(), details: z.unknown() })
  .openapi('AuditEntry');
export const ApprovalDetail = z.object({ ...Approval.shape, audit: z.array(AuditEntry) }).openapi('ApprovalDetail');
export const ApprovalDecided = z
  .object({
    id: z.string(),
    decision: Decision,
    stepStatus: StepStatus.nullable().describe(
      'The approval step after the decision: succeeded, failed (rejected), pending (changes requested) or still waiting (quorum)',
    ),
  })
  .openapi('ApprovalDecided');
