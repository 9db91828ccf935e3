import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

const build = (d1: D1Database) => drizzle(d1, { schema });
export type Database = ReturnType<typeof build>;

/** One client per binding: building one walks the whole schema, too slow to repeat per query. */
const clients = new WeakMap<D1Database, Database>();

/** The drizzle client over the D1 binding. */
export function database(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}

/** Epoch ms → ISO-8601 UTC text, as stored in D1 and answered by the API. */
export function iso(ms: number | undefined | null): string | null {
  return ms === undefined || ms === null ? null : new Date(ms).toISOString();
}

/** Opaque cursor for newest-first pagination over `(created_at, id)`. */
export function encodeCursor(createdAt: string, id: string): string {
  return btoa(JSON.stringify([createdAt, id]));
}

/** @returns the `(created_at, id)` pair, or null for a malformed cursor. */
export function decodeCursor(cursor: string | undefined): [string, string] | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(atob(cursor));
    return Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string'
      ? [value[0], value[1]]
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether a D1 error (as drizzle wraps it, the cause chain included) is a UNIQUE or PRIMARY KEY
 * violation: SQLite's `SQLITE_CONSTRAINT_UNIQUE` / `_PRIMARYKEY` (https://www.sqlite.org/rescode.html).
 */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/UNIQUE constraint failed|SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)/.test(e.message)) return true;
  }
  return false;
}
