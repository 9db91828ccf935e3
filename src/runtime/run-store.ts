import type { Command, RunState, Timer } from '../core/engine';

/** Outbox entries: what must happen outside the object after a state change was persisted. */
export type OutboxEntry =
  | { type: 'Dispatch'; stepId: string; attempt: number }
  | { type: 'Mirror'; steps: string[] }
  | { type: 'Finish' };

/**
 * The RunObject's SQLite storage: the run state, its timers and its outbox, written together in
 * one synchronous transaction so a crash never separates a state change from its consequences.
 */
export class RunStore {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, at INTEGER NOT NULL, timer TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
    `);
  }

  private get sql() {
    return this.storage.sql;
  }

  get<T>(key: string): T | undefined {
    const row = this.sql.exec<{ value: string }>('SELECT value FROM kv WHERE key = ?', key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  put(key: string, value: unknown): void {
    this.sql.exec('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, JSON.stringify(value));
  }

  state(): RunState | undefined {
    return this.get<RunState>('state');
  }

  /** Persists a new state, applies timer commands and appends the outbox, atomically. */
  commit(state: RunState, commands: Command[], outbox: OutboxEntry[]): void {
    this.storage.transactionSync(() => {
      this.put('state', state);
      for (const command of commands) {
        if (command.type === 'SetTimer') {
          const t = command.timer;
          this.sql.exec('INSERT INTO timers (id, at, timer) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at, timer = excluded.timer', t.id, t.at, JSON.stringify(t));
        } else if (command.type === 'CancelTimer') {
          this.sql.exec('DELETE FROM timers WHERE id = ?', command.timerId);
        }
      }
      for (const entry of outbox) this.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify(entry));
    });
  }

  /** Timers due at `now` (epoch ms), removed from storage. */
  takeDueTimers(now: number): Timer[] {
    const rows = this.sql.exec<{ timer: string }>('DELETE FROM timers WHERE at <= ? RETURNING timer', now).toArray();
    return rows.map((r) => JSON.parse(r.timer) as Timer).sort((a, b) => a.at - b.at);
  }

  /** Epoch ms of the earliest timer, or null. */
  nextTimerAt(): number | null {
    const row = this.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM timers').toArray()[0];
    return row?.at ?? null;
  }

  outbox(): { seq: number; entry: OutboxEntry }[] {
    return this.sql.exec<{ seq: number; entry: string }>('SELECT seq, entry FROM outbox ORDER BY seq').toArray().map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) }));
  }

  /** Removes carried-out outbox entries. */
  done(seqs: number[]): void {
    for (const seq of seqs) this.sql.exec('DELETE FROM outbox WHERE seq = ?', seq);
  }
}
