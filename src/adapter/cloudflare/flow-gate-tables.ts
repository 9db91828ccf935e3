import type { WaitingGate } from '../../core/flow/plan';

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

/** Whether `runId` holds a place here. */
export function isHolder(sql: SqlStorage, runId: string): boolean {
  return sql.exec('SELECT 1 FROM holders WHERE run_id = ?', runId).toArray().length > 0;
}

/** Whether `runId` is on the waiting list. */
export function waits(sql: SqlStorage, runId: string): boolean {
  return sql.exec('SELECT 1 FROM waiting WHERE run_id = ?', runId).toArray().length > 0;
}

/** How many runs hold a place, or wait. */
export function countOf(sql: SqlStorage, table: 'holders' | 'waiting'): number {
  return Number(sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
}

/** Adds a holder (a no-op when it holds already). */
export function addHolder(sql: SqlStorage, runId: string, tenantId: string, now: number): void {
  sql.exec(
    'INSERT INTO holders (run_id, tenant_id, since, checked_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING',
    runId,
    tenantId,
    now,
    now,
  );
}

/**
 * A restarted run's place again (`gate`: the stored concurrency gate, if any): taken when free and
 * no run waits. @returns null when held, else why not.
 */
export function retakePlace(
  sql: SqlStorage,
  rule: 'concurrency' | 'singleton',
  gate: WaitingGate | undefined,
  runId: string,
  tenantId: string,
  now: number,
): string | null {
  if (isHolder(sql, runId)) return null;
  const other = sql.exec('SELECT run_id FROM holders LIMIT 1').toArray()[0];
  if (rule === 'singleton' && other) return `singleton: run ${other.run_id} is active`;
  if (rule === 'concurrency' && gate?.rule === 'concurrency') {
    if (countOf(sql, 'holders') >= gate.limit) return `concurrency: all ${gate.limit} places are taken`;
    const waiting = countOf(sql, 'waiting');
    if (waiting > 0) return `concurrency: ${waiting} runs wait for a place`;
  }
  addHolder(sql, runId, tenantId, now);
  return null;
}
