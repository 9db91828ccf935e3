import { parseDefinitionText, validateDefinition } from '../core/definition';
import { BatonError } from '../core/errors';
import { sha256Hex } from '../core/hash';
import { agentNames } from '../db/agents';
import type { Database } from '../db/client';
import { aliasesTakenByOthers, createFirstVersion, getWorkflowVersion, saveVersion } from '../db/workflows';
import type { WorkflowDefinition } from '../schemas/definition';

/**
 * Parses and validates a definition (YAML or JSON text) against the tenant's agents and email
 * aliases. `expectedName` is the name in the URL of `PUT /api/workflows/:name`.
 * @throws {BatonError} `invalid_definition` with `details.issues: [{ path, message }]`.
 */
export async function checkDefinition(db: Database, tenantId: string, text: string, expectedName?: string): Promise<WorkflowDefinition> {
  const parsed = parseDefinitionText(text);
  const invalid = (issues: { path: string; message: string }[]) =>
    new BatonError('invalid_definition', `the workflow definition is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'})`, { issues });
  if ('issues' in parsed) throw invalid(parsed.issues);
  const result = validateDefinition(parsed.value, { agents: await agentNames(db, tenantId) });
  if (!result.ok) throw invalid(result.issues);
  const def = result.definition;
  if (expectedName && def.name !== expectedName) throw invalid([{ path: 'name', message: `'${def.name}' differs from the name in the URL ('${expectedName}')` }]);
  const aliases = def.triggers.flatMap((t, i) => ('email' in t ? [{ alias: t.email.alias, i }] : []));
  const taken = await aliasesTakenByOthers(db, tenantId, def.name, aliases.map((a) => a.alias));
  const issues = aliases.flatMap(({ alias, i }) => (taken.has(alias) ? [{ path: `triggers[${i}].email.alias`, message: `alias '${alias}' already routes to workflow ${taken.get(alias)}` }] : []));
  if (issues.length) throw invalid(issues);
  return def;
}

/**
 * Registers a definition: `create` refuses an existing name (409, also when another request
 * registers it at the same moment), `name` adds a version
 * (re-sending the latest definition unchanged stores nothing and answers its version).
 * @returns the name, version and whether a version was created.
 */
export async function registerWorkflow(
  db: Database, tenantId: string, text: string, format: 'yaml' | 'json', mode: { create: true } | { name: string },
): Promise<{ name: string; version: number; created: boolean }> {
  const def = await checkDefinition(db, tenantId, text, 'name' in mode ? mode.name : undefined);
  const exists = () => new BatonError('conflict', `workflow ${def.name} exists; add a version with PUT /api/workflows/${def.name}`);
  if ('create' in mode && (await getWorkflowVersion(db, tenantId, def.name))) throw exists();
  const input = { name: def.name, source: text, sourceFormat: format, definition: def, hash: await sha256Hex(JSON.stringify(def)) };
  const now = new Date().toISOString();
  if ('create' in mode) {
    // Atomic: a writer that registered the name since the check above wins, and this one is refused.
    if (!(await createFirstVersion(db, tenantId, input, now))) throw exists();
    return { name: def.name, version: 1, created: true };
  }
  const { version, created } = await saveVersion(db, tenantId, input, now);
  return { name: def.name, version, created };
}
