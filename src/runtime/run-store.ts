import type { Command, RunState, StepState } from '../core/engine';
import type { Timer } from '../core/engine';
import { unreachable } from '../core/unreachable';
import { outboxCommandOf, type OutboxCommand } from './outbox-command';

/**
 * The RunObject's SQLite storage: the run (one row) and each step instance (one row each, so large
 * outputs never share a row), its timers and its outbox — written together in one synchronous
 * transaction, so a crash never separates a state change from its consequences. The state is
 * cached in memory: this object is its only writer.
 */
export class RunStore {
  private cache: RunState | undefined;
  /** Whether the run's fixed fields are stored under `run:fixed` (older runs kept them in `run`). */
  private fixedStored = false;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS steps (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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

  /** The run's state, or undefined when this object holds no run. */
  state(): RunState | undefined {
    if (this.cache) return this.cache;
    const meta = this.get<Omit<RunState, 'steps'>>('run');
    if (!meta) return undefined;
    const steps: Record<string, StepState> = {};
    for (const row of this.sql.exec<{ key: string; value: string }>('SELECT key, value FROM steps')) steps[row.key] = JSON.parse(row.value);
    const fixed = this.get<Partial<RunState>>('run:fixed');
    this.fixedStored = fixed !== undefined;
    this.cache = { ...fixed, ...meta, steps };
    return this.cache;
  }

  /**
   * Persists a new state (the run's changing fields and the changed step rows), timers and outbox,
   * atomically. The fields fixed at start (definition, inputs, trigger…) are written once.
   * @param lane the attempt this decision hands to the object's own lane, recorded as `lane` so a
   * new instance finds it after a crash.
   */
  commit(state: RunState, changedSteps: string[], commands: Command[], outbox: OutboxCommand[], lane?: { stepId: string; attempt: number }): void {
    this.storage.transactionSync(() => {
      if (lane) this.put('lane', lane);
      const { steps, runId, workflow, version, definition, inputs, trigger, createdAt, ...meta } = state;
      if (!this.fixedStored) this.put('run:fixed', { runId, workflow, version, definition, inputs, trigger, createdAt });
      this.put('run', meta);
      for (const key of changedSteps) {
        this.sql.exec('INSERT INTO steps (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, JSON.stringify(steps[key]));
      }
      for (const command of commands) this.storeTimer(command);
      for (const entry of outbox) this.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify(entry));
    });
    this.cache = state;
    this.fixedStored = true;
  }

  /** Stores a timer command; every other command goes to the outbox (see `outboxOf`). */
  private storeTimer(command: Command): void {
    switch (command.type) {
      case 'SetTimer': {
        const t = command.timer;
        this.sql.exec('INSERT INTO timers (id, at, timer) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at, timer = excluded.timer', t.id, t.at, JSON.stringify(t));
        return;
      }
      case 'CancelTimer':
        this.sql.exec('DELETE FROM timers WHERE id = ?', command.timerId);
        return;
      case 'DispatchStep': case 'StartChildRun': case 'WaitForEvent': case 'StopWaiting': case 'CompleteRun': case 'FailRun': case 'CancelRun':
      case 'RequestApproval': case 'CloseApproval': case 'EscalateApproval':
        return;
      default:
        unreachable(command, 'command');
    }
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

  /** The outbox in commit order; rows of the shape used before one vocabulary are translated. */
  outbox(): { seq: number; entry: OutboxCommand }[] {
    const rows = this.sql.exec<{ seq: number; entry: string }>('SELECT seq, entry FROM outbox ORDER BY seq').toArray();
    return rows.map((r) => ({ seq: r.seq, entry: outboxCommandOf(JSON.parse(r.entry), this.state()) }));
  }

  /** Removes carried-out outbox entries. */
  done(seqs: number[]): void {
    for (const seq of seqs) this.sql.exec('DELETE FROM outbox WHERE seq = ?', seq);
  }
}
