import { z } from 'zod';
import { Iso } from './common';

/* Workflows, their versions and plans. */

/** A workflow's list entry. */
export const WorkflowSummary = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    latestVersion: z.number().int(),
    createdAt: Iso,
    updatedAt: Iso,
    archivedAt: Iso.nullable().describe('Set by DELETE /api/workflows/:name: it starts no runs until registered again'),
  })
  .openapi('WorkflowSummary');
export const WorkflowArchived = z.object({ name: z.string(), archivedAt: Iso }).openapi('WorkflowArchived');
export type WorkflowSummary = z.infer<typeof WorkflowSummary>;
export const WorkflowList = z.object({ workflows: z.array(WorkflowSummary) }).openapi('WorkflowList');

/** Usage summed over every run of a workflow (all versions), from the attempts recorded in D1. */
export const WorkflowUsage = z
  .object({
    runs: z.number().int(),
    costUsd: z.number().describe('USD'),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
  })
  .openapi('WorkflowUsage');

/** One version of a workflow with its definition (normalised: defaults applied) and the list of versions. */
export const WorkflowVersion = z
  .object({
    name: z.string(),
    version: z.number().int(),
    latestVersion: z.number().int(),
    description: z.string().nullable(),
    definition: z
      .record(z.string(), z.unknown())
      .describe('The validated definition; its format is /api/schema/workflow.json'),
    source: z.string().describe('The definition as registered'),
    sourceFormat: z.enum(['yaml', 'json']),
    createdAt: Iso,
    archivedAt: Iso.nullable().describe('Set by DELETE /api/workflows/:name: it starts no runs until registered again'),
    versions: z.array(z.object({ version: z.number().int(), createdAt: Iso, hash: z.string() })),
    usage: WorkflowUsage,
  })
  .openapi('WorkflowVersion');
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;
/** A registered version; `warnings` (deprecated agents, selections no active agent serves) only when there are some. */
export const WorkflowRegistered = z
  .object({
    name: z.string(),
    version: z.number().int(),
    warnings: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('WorkflowRegistered');

/** A workflow's DAG, parallel groups and critical path, with estimated durations (ms). */
export const Plan = z
  .object({
    name: z.string(),
    version: z.number().int(),
    nodes: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        list: z.string(),
        parent: z.string().nullable(),
        needs: z.array(z.string()),
        estimateMs: z.number(),
        estimated: z.enum(['history', 'default', 'definition']),
      }),
    ),
    edges: z.array(z.object({ from: z.string(), to: z.string() })),
    groups: z.array(z.object({ list: z.string(), steps: z.array(z.string()) })),
    criticalPath: z.object({ steps: z.array(z.string()), estimateMs: z.number() }),
  })
  .openapi('Plan');
export type Plan = z.infer<typeof Plan>;
