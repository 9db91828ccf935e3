import { z } from 'zod';
import { AttemptStatus, StepStatus } from '../enums';
import { Approval } from './approvals';
import { Iso, IsoOrNull } from './common';
import { MessageDetail } from './messages';
import { Run } from './runs';

/** An attempt as D1 records it: who ran it and what it cost (USD) and used (tokens). */
export const AttemptRecord = z
  .object({
    stepId: z.string(),
    attempt: z.number().int(),
    status: AttemptStatus,
    stepStatus: StepStatus,
    agent: z.string().nullable(),
    provider: z.string().nullable(),
    error: z.unknown(),
    inputTokens: z.number().int().nullable(),
    outputTokens: z.number().int().nullable(),
    costUsd: z.number().nullable().describe('USD'),
    selection: z.unknown().describe('For a step that selects its agent by skill: what was chosen and why'),
    dispatchedAt: Iso,
    startedAt: IsoOrNull,
    endedAt: IsoOrNull,
  })
  .openapi('AttemptRecord');

/** `GET /api/runs/:id/export`: everything Baton holds of one run, as one JSON document. */
export const RunExport = z
  .object({
    format: z.literal('baton.run-export/v1'),
    exportedAt: Iso,
    run: Run.describe("The run with its steps, each step's attempts (`history`) and agent transcript (`turns`)"),
    attempts: z.array(AttemptRecord).describe('Every attempt as recorded in D1, in step order'),
    approvals: z.array(Approval),
    messages: z.array(MessageDetail).describe('Emails in and out of the run, with their sources'),
  })
  .openapi('RunExport');
export type RunExport = z.infer<typeof RunExport>;
