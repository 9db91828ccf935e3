import { checkDefinition as checkOn, registerWorkflow as registerOn } from '../../app/register-workflow';
import type { Database } from './d1/client';
import { d1Repositories } from './d1/repositories';
import type { RegisterWorkflowPorts } from '../../ports';
import type { WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';

/** The register-workflow ports over D1 and the host clock. */
function registerPorts(db: Database): RegisterWorkflowPorts {
  const { agents, workflowStore } = d1Repositories(db);
  return { agents, workflowStore, clock: { now: () => Date.now() } };
}

/**
 * Parses and validates a definition against the tenant's agents and aliases (src/app/register-workflow.ts).
 * @throws {BatonError} `invalid_definition` with `details.issues: [{ path, message }]`.
 */
export function checkDefinition(
  db: Database,
  tenantId: string,
  text: string,
  expectedName?: string,
): Promise<WorkflowDefinition> {
  return checkOn(registerPorts(db), tenantId, text, expectedName);
}

/**
 * Registers a definition in D1 (src/app/register-workflow.ts).
 * @throws {BatonError} `invalid_definition`, `conflict`.
 */
export function registerWorkflow(
  db: Database,
  tenantId: string,
  text: string,
  format: 'yaml' | 'json',
  mode: { create: true } | { name: string },
): Promise<{ name: string; version: number; created: boolean; warnings: Issue[] }> {
  return registerOn(registerPorts(db), tenantId, text, format, mode);
}
