/** The FlowGate's SQLite tables: holders, the waiting list, hand-ons, throttle passes, rate-limit counts, cancels. */
export function createGateTables(sql: SqlStorage): void {
  for (const ddl of [
    'CREATE TABLE IF NOT EXISTS holders (run_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, since INTEGER NOT NULL, checked_at INTEGER NOT NULL)',
    `CREATE TABLE IF NOT EXISTS waiting (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE,
      priority INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, run TEXT NOT NULL, at INTEGER NOT NULL)`,
    'CREATE INDEX IF NOT EXISTS waiting_order ON waiting (priority DESC, enqueued_at, seq)',
    `CREATE TABLE IF NOT EXISTS handons (run_id TEXT PRIMARY KEY, run TEXT NOT NULL, at INTEGER NOT NULL,
      due_at INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0)`,
    'CREATE TABLE IF NOT EXISTS passed (run_id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
    'CREATE TABLE IF NOT EXISTS counted (id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
    `CREATE TABLE IF NOT EXISTS cancels (run_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, reason TEXT NOT NULL,
      due_at INTEGER NOT NULL, tries INTEGER NOT NULL DEFAULT 0)`,
  ])
    sql.exec(ddl);
}

/** A waiter's place in the list (1 = next): priority high first, then age, then arrival. */
export function positionOf(sql: SqlStorage, runId: string): number {
  const me = sql.exec('SELECT priority, enqueued_at, seq FROM waiting WHERE run_id = ?', runId).one();
  const ahead = sql
    .exec(
      `SELECT COUNT(*) AS n FROM waiting WHERE priority > ? OR (priority = ? AND
       (enqueued_at < ? OR (enqueued_at = ? AND seq < ?)))`,
      me.priority,
      me.priority,
      me.enqueued_at,
      me.enqueued_at,
      me.seq,
    )
    .one().n;
  return 1 + Number(ahead);
}
