import { parseDefinitionText, validateDefinition } from '../core/definition';
import { BatonError } from '../core/errors';
import { sha256Hex } from '../lib/hash';
import type { RegisterWorkflowPorts } from '../ports';
import type { WorkflowDefinition } from '../schemas/definition';
import type { Issue } from '../schemas/errors';

/**
 * Parses and validates a definition (YAML or JSON text) against the tenant's agents and email
 * aliases. `expectedName` is the name in the URL of `PUT /api/workflows/:name`.
 * @throws {BatonError} `invalid_definition` with `details.issues: [{ path, message }]`.
 */
export async function checkDefinition(
  ports: Omit<RegisterWorkflowPorts, 'clock'>,
  tenantId: string,
  text: string,
  expectedName?: string,
): Promise<WorkflowDefinition> {
  return (await checkDefinitionWarned(ports, tenantId, text, expectedName)).definition;
}

/**
 * {@link checkDefinition}, with the warnings registration answers: deprecated agents, selections
 * no active agent serves now (`[{ path, message }]`).
 * @throws {BatonError} `invalid_definition` with `details.issues: [{ path, message }]`.
 */
export async function checkDefinitionWarned(
  ports: Omit<RegisterWorkflowPorts, 'clock'>,
  tenantId: string,
  text: string,
  expectedName?: string,
): Promise<{ definition: WorkflowDefinition; warnings: Issue[] }> {
  const parsed = parseDefinitionText(text);
  const invalid = (issues: { path: string; message: string }[]) =>
    new BatonError(
      'invalid_definition',
      `the workflow definition is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'})`,
      { issues },
    );
  if ('issues' in parsed) throw invalid(parsed.issues);
  const result = validateDefinition(parsed.value, { agents: await ports.agents.catalog(tenantId) });
  if (!result.ok) throw invalid(result.issues);
  const def = result.definition;
  if (expectedName && def.name !== expectedName)
    throw invalid([{ path: 'name', message: `'${def.name}' differs from the name in the URL ('${expectedName}')` }]);
  const aliases = def.triggers.flatMap((t, i) => ('email' in t ? [{ alias: t.email.alias, i }] : []));
  const taken = await ports.workflowStore.aliasesTakenByOthers(
    tenantId,
    def.name,
    aliases.map((a) => a.alias),
  );
  const prefixes = aliases.length ? await ports.workflowStore.aliasPrefixes(tenantId) : { own: null, others: [] };
  const issues = aliases.flatMap(({ alias, i }) => {
    const path = `triggers[${i}].email.alias`;
    if (taken.has(alias)) return [{ path, message: `alias '${alias}' already routes to workflow ${taken.get(alias)}` }];
    // On a shared domain the prefix says whose mail it is: an alias outside it would reach no one, or another tenant.
    if (prefixes.own && !alias.startsWith(prefixes.own))
      return [{ path, message: `alias '${alias}' must start with this tenant's alias prefix '${prefixes.own}'` }];
    const other = prefixes.others.find((p) => alias.startsWith(p));
    if (other) return [{ path, message: `alias '${alias}' starts with '${other}', another tenant's alias prefix` }];
    return [];
  });
  if (issues.length) throw invalid(issues);
  return { definition: def, warnings: result.warnings };
}

/**
 * Registers a definition: `create` refuses an existing name (409), `version` adds a version
 * (re-sending the latest definition unchanged stores nothing and answers its version).
 * Concurrent registrations of one name are safe: see `saveVersion`.
 * @throws {BatonError} `invalid_definition`, `conflict`.
 * @returns the name, version, whether a version was created, and the warnings (empty when none).
 */
export async function registerWorkflow(
  ports: RegisterWorkflowPorts,
  tenantId: string,
  text: string,
  format: 'yaml' | 'json',
  mode: { create: true } | { name: string },
): Promise<{ name: string; version: number; created: boolean; warnings: Issue[] }> {
  const { definition: def, warnings } = await checkDefinitionWarned(
    ports,
    tenantId,
    text,
    'name' in mode ? mode.name : undefined,
  );
  const hash = await sha256Hex(JSON.stringify(def));
  const input = { name: def.name, source: text, sourceFormat: format, definition: def, hash };
  const { version, created } = await ports.workflowStore.saveVersion(
    tenantId,
    input,
    new Date(ports.clock.now()).toISOString(),
    'create' in mode ? 'create' : 'version',
  );
  return { name: def.name, version, created, warnings };
}
