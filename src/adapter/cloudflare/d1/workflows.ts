import { and, desc, eq, isNull, ne } from 'drizzle-orm';
import { BatonError } from '../../../core/errors';
import type { WorkflowDefinition } from '../../../schemas/definition';
import type { EmailRoute } from '../../../ports';
import { isUniqueViolation, type Database } from './client';
import { signingSecrets, triggers, workflows, workflowVersions } from './schema';

/** A stored version of a workflow. */
export interface WorkflowVersionRecord {
  name: string;
  version: number;
  description: string | null;
  definition: WorkflowDefinition;
  source: string;
  sourceFormat: 'yaml' | 'json';
  createdAt: string;
  /** When the workflow was archived (ISO 8601), else null. */
  archivedAt: string | null;
}

/** Reads a workflow's latest version, or the given one. @returns null when absent. */
export async function getWorkflowVersion(
  db: Database,
  tenantId: string,
  name: string,
  version?: number,
): Promise<(WorkflowVersionRecord & { latestVersion: number }) | null> {
  const found = await findVersion(db, tenantId, name, version);
  if (!found?.row) return null;
  const { wf, row } = found;
  return {
    name,
    version: row.version,
    description: wf.description,
    latestVersion: wf.latestVersion,
    archivedAt: wf.archivedAt,
    definition: row.definition as WorkflowDefinition,
    source: row.source,
    sourceFormat: row.sourceFormat,
    createdAt: row.createdAt,
  };
}

/**
 * Archives a workflow (`DELETE /api/workflows/:name`): no new runs, its email aliases and
 * schedules removed, its versions and runs kept. Registering it again restores it.
 * @returns when it was archived (the earlier time when it already was), or null when there is no such workflow.
 */
export async function archiveWorkflow(
  db: Database,
  tenantId: string,
  name: string,
  now: string,
): Promise<string | null> {
  const [, , row] = await db.batch([
    db
      .update(workflows)
      .set({ archivedAt: now, updatedAt: now })
      .where(and(eq(workflows.tenantId, tenantId), eq(workflows.name, name), isNull(workflows.archivedAt))),
    db.delete(triggers).where(and(eq(triggers.tenantId, tenantId), eq(triggers.workflowName, name))),
    db
      .select({ archivedAt: workflows.archivedAt })
      .from(workflows)
      .where(and(eq(workflows.tenantId, tenantId), eq(workflows.name, name))),
  ]);
  return row[0]?.archivedAt ?? null;
}

/** Every workflow of the tenant with its latest version number. */
export function listWorkflows(db: Database, tenantId: string) {
  return db.select().from(workflows).where(eq(workflows.tenantId, tenantId)).orderBy(workflows.name);
}

/** The versions of one workflow, newest first (definitions omitted). */
export function listVersions(db: Database, tenantId: string, name: string) {
  return db
    .select({ version: workflowVersions.version, createdAt: workflowVersions.createdAt, hash: workflowVersions.hash })
    .from(workflowVersions)
    .where(and(eq(workflowVersions.tenantId, tenantId), eq(workflowVersions.name, name)))
    .orderBy(desc(workflowVersions.version));
}

/** Email aliases already routed to a workflow other than `name`. */
export async function aliasesTakenByOthers(
  db: Database,
  tenantId: string,
  name: string,
  aliases: string[],
): Promise<Map<string, string>> {
  const taken = new Map<string, string>();
  if (aliases.length === 0) return taken;
  const rows = await db
    .select()
    .from(triggers)
    .where(and(eq(triggers.tenantId, tenantId), eq(triggers.type, 'email'), ne(triggers.workflowName, name)));
  for (const row of rows) if (aliases.includes(row.key)) taken.set(row.key, row.workflowName);
  return taken;
}

export interface NewVersion {
  name: string;
  source: string;
  sourceFormat: 'yaml' | 'json';
  definition: WorkflowDefinition;
  hash: string;
}

/** Attempts to store a version when concurrent registrations of the same name take the number first. */
const MAX_SAVE_ATTEMPTS = 5;

/**
 * Stores a new version (1 for a new workflow) and re-routes its triggers, atomically (D1 batch).
 * Registering a definition equal to the latest version stores nothing and answers that version.
 * D1 has no transactions: the primary key (tenant, name, version) decides between concurrent
 * registrations; the loser reads the latest version again and stores the next one (or answers the
 * winner's version when the definitions are equal).
 * @param mode `create` refuses a name that exists (also when a concurrent registration created it).
 * @returns the version and whether it was created.
 * @throws {BatonError} `conflict` when the name exists in `create` mode, or after
 *   MAX_SAVE_ATTEMPTS lost races.
 */
export async function saveVersion(
  db: Database,
  tenantId: string,
  input: NewVersion,
  now: string,
  mode: 'create' | 'version' = 'version',
): Promise<{ version: number; created: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const latest = await latestVersion(db, tenantId, input.name);
    if (latest && mode === 'create')
      throw new BatonError(
        'conflict',
        `workflow ${input.name} exists; add a version with PUT /api/workflows/${input.name}`,
      );
    // An archived workflow registered again comes back as a new version (its triggers re-routed).
    if (latest?.hash === input.hash && !latest.archived) return { version: latest.version, created: false };
    const version = (latest?.version ?? 0) + 1;
    try {
      await db.batch(versionStatements(db, tenantId, input, version, now));
      return { version, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (attempt >= MAX_SAVE_ATTEMPTS)
        throw new BatonError(
          'conflict',
          `workflow ${input.name} is being changed by concurrent registrations; try again`,
        );
    }
  }
}

/** The latest version's number and hash. @returns null for a new workflow. */
async function latestVersion(
  db: Database,
  tenantId: string,
  name: string,
): Promise<{ version: number; hash: string; archived: boolean } | null> {
  const found = await findVersion(db, tenantId, name);
  return found
    ? { version: found.wf.latestVersion, hash: found.row?.hash ?? '', archived: found.wf.archivedAt !== null }
    : null;
}

/** A workflow's row and one of its versions (the latest when `version` is not given). @returns null when the workflow is absent; `row` undefined when the version is. */
async function findVersion(db: Database, tenantId: string, name: string, version?: number) {
  const wf = await db.query.workflows.findFirst({
    where: and(eq(workflows.tenantId, tenantId), eq(workflows.name, name)),
  });
  if (!wf) return null;
  const row = await db.query.workflowVersions.findFirst({
    where: and(
      eq(workflowVersions.tenantId, tenantId),
      eq(workflowVersions.name, name),
      eq(workflowVersions.version, version ?? wf.latestVersion),
    ),
  });
  return { wf, row };
}

/** The one batch that stores version `version` and re-routes the workflow's triggers. */
function versionStatements(db: Database, tenantId: string, input: NewVersion, version: number, now: string) {
  const def = input.definition;
  const emailTriggers = def.triggers.flatMap((t) => ('email' in t ? [t.email] : []));
  const signing = def.triggers.flatMap((t) => ('webhook' in t && t.webhook.secret ? [t.webhook.secret] : []));
  const schedules = def.triggers.flatMap((t, i) =>
    'schedule' in t ? [{ key: `${input.name}#${i}`, config: t.schedule }] : [],
  );
  return [
    db.insert(workflowVersions).values({
      tenantId,
      name: input.name,
      version,
      source: input.source,
      sourceFormat: input.sourceFormat,
      definition: def,
      hash: input.hash,
      createdAt: now,
    }),
    db
      .insert(workflows)
      .values({
        tenantId,
        name: input.name,
        description: def.description ?? null,
        latestVersion: version,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [workflows.tenantId, workflows.name],
        set: { latestVersion: version, description: def.description ?? null, updatedAt: now, archivedAt: null },
      }),
    db.delete(triggers).where(and(eq(triggers.tenantId, tenantId), eq(triggers.workflowName, input.name))),
    ...emailTriggers.map((email) =>
      db
        .insert(triggers)
        .values({ tenantId, type: 'email', key: email.alias, workflowName: input.name, config: email, updatedAt: now })
        .onConflictDoUpdate({
          target: [triggers.tenantId, triggers.type, triggers.key],
          set: { workflowName: input.name, config: email, updatedAt: now },
        }),
    ),
    ...signing.map((name) =>
      db
        .insert(signingSecrets)
        .values({ tenantId, name, workflowName: input.name, createdAt: now })
        .onConflictDoNothing(),
    ),
    ...schedules.map((s) =>
      db
        .insert(triggers)
        .values({ tenantId, type: 'schedule', key: s.key, workflowName: input.name, config: s.config, updatedAt: now }),
    ),
  ] as const;
}

/** A schedule trigger as stored: `key` is `<workflow>#<trigger index>`. */
export interface StoredSchedule {
  tenantId: string;
  key: string;
  workflowName: string;
  config: { cron: string; timezone: string; input: Record<string, unknown>; catch_up: boolean; priority?: number };
}

/** Every schedule trigger of every tenant (or of one). */
export async function listSchedules(db: Database, tenantId?: string): Promise<StoredSchedule[]> {
  const rows = await db
    .select()
    .from(triggers)
    .where(and(eq(triggers.type, 'schedule'), tenantId ? eq(triggers.tenantId, tenantId) : undefined))
    .orderBy(triggers.workflowName, triggers.key);
  return rows.map((r) => ({
    tenantId: r.tenantId,
    key: r.key,
    workflowName: r.workflowName,
    config: r.config as StoredSchedule['config'],
  }));
}

/** The workflow an email alias routes to, with the trigger's config. @returns null for an unknown alias. */
export async function findEmailRoute(db: Database, tenantId: string, alias: string): Promise<EmailRoute | null> {
  const row = await db.query.triggers.findFirst({
    where: and(eq(triggers.tenantId, tenantId), eq(triggers.type, 'email'), eq(triggers.key, alias)),
  });
  if (!row) return null;
  const config = row.config as { allow?: string[]; priority?: number; require_auth?: boolean };
  return {
    workflowName: row.workflowName,
    allow: config.allow,
    priority: config.priority,
    ...(config.require_auth === undefined ? {} : { requireAuth: config.require_auth }),
  };
}
