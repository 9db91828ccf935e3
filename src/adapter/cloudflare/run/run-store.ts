import type { Command, RunState, StepState } from '../../../core/engine/index';
import { outboxCommandOf, type OutboxCommand } from './outbox-command';
import { RunTimers } from './run-timers';
import type { AttemptRef } from './attempts';

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
  /** Set by {@link forget}. */
  private purged = false;
  /** The run's timers, written by {@link commit}. */
  readonly timers: RunTimers;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS steps (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
    `);
    this.timers = new RunTimers(storage.sql);
  }

  private get sql() {
    return this.storage.sql;
  }

  /** A value of the object's key-value table (`tenantId`, `parent`, `lane`…), or undefined. */
  get<T>(key: string): T | undefined {
    if (this.purged) return undefined;
    const row = this.sql.exec<{ value: string }>('SELECT value FROM kv WHERE key = ?', key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** Stores a value in the key-value table, as JSON. */
  put(key: string, value: unknown): void {
    this.sql.exec(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      JSON.stringify(value),
    );
  }

  /** After `deleteAll()`: the object holds no run any more (its tables are gone until the next instance). */
  forget(): void {
    this.cache = undefined;
    this.purged = true;
  }

  /** The run's state, or undefined when this object holds no run. */
  state(): RunState | undefined {
    if (this.purged) return undefined;
    if (this.cache) return this.cache;
    const meta = this.get<Omit<RunState, 'steps'>>('run');
    if (!meta) return undefined;
    const steps: Record<string, StepState> = {};
    for (const row of this.sql.exec<{ key: string; value: string }>('SELECT key, value FROM steps'))
      steps[row.key] = JSON.parse(row.value);
    const fixed = this.get<Partial<RunState>>('run:fixed');
    this.fixedStored = fixed !== undefined;
    this.cache = { ...fixed, ...meta, steps };
    return this.cache;
  }

  /**
   * Persists a new state (the run's changing fields and the changed step rows), timers and outbox,
   * atomically. The fields fixed at start (definition, inputs, trigger…) are written once.
   * @param lane the attempts (one, or a turn's tool calls) this decision hands to the object's own
   * lane, recorded as `lane` so a new instance finds them after a crash.
   */
  commit(
    state: RunState,
    changedSteps: string[],
    commands: Command[],
    outbox: OutboxCommand[],
    lane?: AttemptRef[],
  ): void {
    this.storage.transactionSync(() => {
      if (lane) this.put('lane', lane);
      const { steps, runId, workflow, version, definition, inputs, trigger, createdAt, agents, priority, ...meta } =
        state;
      if (!this.fixedStored)
        this.put('run:fixed', { runId, workflow, version, definition, inputs, trigger, createdAt, agents, priority });
      this.put('run', meta);
      for (const key of changedSteps) {
        this.sql.exec(
          'INSERT INTO steps (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
          key,
          JSON.stringify(steps[key]),
        );
      }
      this.timers.record(commands);
      for (const entry of outbox) this.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify(entry));
    });
    this.cache = state;
    this.fixedStored = true;
  }

  /** The outbox in commit order; rows of the shape used before one vocabulary are translated. */
  outbox(): { seq: number; entry: OutboxCommand }[] {
    const rows = this.sql.exec<{ seq: number; entry: string }>('SELECT seq, entry FROM outbox ORDER BY seq').toArray();
    return rows.map((r) => ({ seq: r.seq, entry: outboxCommandOf(JSON.parse(r.entry), this.state()) }));
  }

  /** Whether the outbox holds anything not yet carried out. */
  hasOutbox(): boolean {
    return this.sql.exec('SELECT 1 FROM outbox LIMIT 1').toArray().length > 0;
  }

  /** Removes carried-out outbox entries. */
  done(seqs: number[]): void {
    for (const seq of seqs) this.sql.exec('DELETE FROM outbox WHERE seq = ?', seq);
  }
}
