import { sql } from 'drizzle-orm';
import type { Database } from './client';

/**
 * The signature headers that webhook triggers name (`hmac-sha256`'s `header:`), lower-case, over
 * every stored version of the tenant's workflows: records written before a header was hidden keep
 * it, so readers must still not see it. Read with SQLite's JSON functions, definitions not loaded.
 */
export async function signatureHeaderNames(db: Database, tenantId: string): Promise<Set<string>> {
  const rows = await db.all<{ name: string | null }>(sql`
    SELECT DISTINCT lower(json_extract(t.value, '$.webhook.header')) AS name
    FROM workflow_versions AS v, json_each(v.definition, '$.triggers') AS t
    WHERE v.tenant_id = ${tenantId} AND json_extract(t.value, '$.webhook.header') IS NOT NULL`);
  return new Set(rows.flatMap((r) => (typeof r.name === 'string' ? [r.name] : [])));
}
