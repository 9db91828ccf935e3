import { DurableObject } from 'cloudflare:workers';
import type { LoopUnit } from '../../core/engine/loop-types';
import { leaseOf } from './slot-lease';
import type { AppEnv } from './env';

/** A lease outlives the attempt's time left by this much before the alarm takes it back (its holder died), ms. */
export const LEASE_MARGIN_MS = 5_000;
/** A grant its run could not take yet (unreachable, or the deferral not yet recorded) is told again after this, doubling, ms. */
export const GRANT_RETRY_MS = 100;
/** The longest wait between two tellings of a grant, ms. */
export const GRANT_RETRY_MAX_MS = 5_000;
/** Most attempts that may wait for one agent; more are refused (the attempt fails, retryable). */
export const MAX_WAITING = 10_000;
/** Most runs told of their grant at once, per alarm. */
const TELLS_PER_ROUND = 50;
/** The longest time an attempt is given (its time left is clamped to it), ms: a day. */
const MAX_TIME_LEFT_MS = 86_400_000;

/** What asks for a slot: one attempt, or one model turn of a looped agent (a tool call is not the agent's call). */
export interface SlotRequest {
  runId: string;
  stepId: string;
  attempt: number;
  unit?: LoopUnit;
  /** The run's priority, 1 (lowest) to 10: the waiting list goes highest first, then by age. */
  priority: number;
  /** When the attempt was dispatched (epoch ms): its age in the waiting list. */
  enqueuedAt: number;
  /** The agent's `max_concurrency`. */
  max: number;
  /** Time left before the attempt times out, ms: a lease expires that long (plus {@link LEASE_MARGIN_MS}) after it is given. */
  timeLeftMs: number;
}

/** The answer to an acquire: the slot is held (`lease` names it, for release), or the attempt waits (1 = next). */
export type SlotAnswer = { granted: true; lease: string } | { queued: true; position: number } | { refused: string };

/** A run's answer when told of a grant: it runs the attempt now; it cannot take it yet; the attempt is over. */
export type GrantAnswer = 'taken' | 'early' | 'stale';

type Row = Record<string, SqlStorageValue>;

/**
 * One Durable Object per agent (named `<tenant>:<agent>`) enforcing its `max_concurrency` across
 * every run: at most `max` leases are held; other attempts wait in a list ordered by their run's
 * priority (high first), then age. When a lease is released (or expires: its holder died), the
 * head gets it and its RunObject is told, by RPC, to execute the attempt now. Everything is in
 * the object's SQLite storage, and the alarm (set to the earliest expiry, deadline or pending
 * telling) carries on after a crash; nothing polls.
 */
export class AgentSlots extends DurableObject<AppEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS holders (lease TEXT PRIMARY KEY, run_id TEXT NOT NULL,
      ref TEXT NOT NULL, expires_at INTEGER NOT NULL, notify_at INTEGER, tries INTEGER NOT NULL DEFAULT 0)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS waiting (seq INTEGER PRIMARY KEY AUTOINCREMENT,
      lease TEXT NOT NULL UNIQUE, run_id TEXT NOT NULL, ref TEXT NOT NULL, priority INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL, deadline INTEGER NOT NULL)`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS waiting_order ON waiting (priority DESC, enqueued_at, seq)');
  }

  /**
   * Asks for a slot for one call. Idempotent per call (its lease): the holder asking again (a
   * re-execution, a granted attempt run at last) keeps its lease, renewed; a waiter keeps its place.
   */
  async acquire(req: SlotRequest): Promise<SlotAnswer> {
    const now = Date.now();
    const lease = leaseOf(req);
    const max = Math.max(1, Math.min(1_000, Math.floor(req.max) || 1));
    const timeLeft = Math.max(1, Math.min(MAX_TIME_LEFT_MS, Math.floor(req.timeLeftMs) || 1));
    const answer = this.ctx.storage.transactionSync((): SlotAnswer => {
      if (this.ctx.storage.kv.get<number>('max') !== max) this.ctx.storage.kv.put('max', max);
      this.reclaim(now);
      this.promote(now);
      const expiresAt = now + timeLeft + LEASE_MARGIN_MS;
      if (this.holds(lease) || this.count('holders') < max) {
        this.sql.exec('DELETE FROM waiting WHERE lease = ?', lease);
        this.sql.exec(
          `INSERT INTO holders (lease, run_id, ref, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (lease) DO UPDATE SET expires_at = excluded.expires_at, notify_at = NULL`,
          lease,
          req.runId,
          refOf(req),
          expiresAt,
        );
        return { granted: true, lease };
      }
      if (!this.waits(lease) && this.count('waiting') >= MAX_WAITING)
        return { refused: `${MAX_WAITING} calls wait for this agent already` };
      const priority = Math.max(1, Math.min(10, Math.floor(req.priority) || 1));
      this.sql.exec(
        `INSERT INTO waiting (lease, run_id, ref, priority, enqueued_at, deadline) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (lease) DO UPDATE SET deadline = excluded.deadline`,
        lease,
        req.runId,
        refOf(req),
        priority,
        Number.isFinite(req.enqueuedAt) ? req.enqueuedAt : now,
        now + timeLeft,
      );
      return { queued: true, position: this.positionOf(lease) };
    });
    await this.arm();
    return answer;
  }

  /** Gives a lease back (the call ended, however): the head of the waiting list gets it. */
  async release(lease: string): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM holders WHERE lease = ?', lease);
      this.sql.exec('DELETE FROM waiting WHERE lease = ?', lease);
      this.reclaim(now);
      this.promote(now);
    });
    await this.arm();
  }

  /** Deletes everything this object stores (its tenant is deleted); it answers as new after its next start. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** How many hold a slot and how many wait (the dashboard, tests). */
  async status(): Promise<{ max: number | null; holding: number; waiting: number }> {
    return {
      max: this.ctx.storage.kv.get<number>('max') ?? null,
      holding: this.count('holders'),
      waiting: this.count('waiting'),
    };
  }

  /** Takes back expired leases, drops waiters past their deadline, and tells runs of their grants. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.reclaim(now);
      this.promote(now);
    });
    // The rest (if any) are told in the next round: the alarm is set again at once.
    const due = this.sql
      .exec(
        'SELECT lease, run_id, ref, tries FROM holders WHERE notify_at <= ? ORDER BY notify_at LIMIT ?',
        now,
        TELLS_PER_ROUND,
      )
      .toArray();
    const answers = await Promise.all(due.map((row) => this.tell(row)));
    this.ctx.storage.transactionSync(() => {
      due.forEach((row, i) => {
        const answer = answers[i]!;
        if (answer === 'taken') this.sql.exec('UPDATE holders SET notify_at = NULL WHERE lease = ?', row.lease);
        else if (answer === 'stale') this.sql.exec('DELETE FROM holders WHERE lease = ?', row.lease);
        else {
          const wait = Math.min(GRANT_RETRY_MAX_MS, GRANT_RETRY_MS * 2 ** Number(row.tries));
          this.sql.exec(
            'UPDATE holders SET notify_at = ?, tries = tries + 1 WHERE lease = ? AND notify_at IS NOT NULL',
            now + wait,
            row.lease,
          );
        }
      });
      this.promote(Date.now());
    });
    await this.arm();
  }

  /** Tells a run its attempt holds a slot now. */
  private async tell(row: Row): Promise<GrantAnswer | 'unreachable'> {
    try {
      const runs = this.env.RUNS;
      return await runs.get(runs.idFromName(String(row.run_id))).slotGranted(JSON.parse(String(row.ref)));
    } catch (err) {
      console.warn(`agent slot ${row.lease}: the run was not told of its grant; telling again`, err);
      return 'unreachable';
    }
  }

  /** Leases past their expiry (the holder died) are free again; waiters past their deadline timed out. */
  private reclaim(now: number): void {
    const lost = this.sql.exec('DELETE FROM holders WHERE expires_at <= ? RETURNING lease', now).toArray();
    for (const row of lost) console.warn(`agent slot ${row.lease}: lease expired (its holder died); taken back`);
    this.sql.exec('DELETE FROM waiting WHERE deadline <= ?', now);
  }

  /** Gives free slots to the head of the waiting list (priority, then age); each grant is to be told. */
  private promote(now: number): void {
    const max = this.ctx.storage.kv.get<number>('max') ?? 1;
    while (this.count('holders') < max) {
      const head = this.sql.exec('SELECT * FROM waiting ORDER BY priority DESC, enqueued_at, seq LIMIT 1').toArray()[0];
      if (!head) return;
      this.sql.exec('DELETE FROM waiting WHERE seq = ?', head.seq);
      if (Number(head.deadline) <= now) continue;
      this.sql.exec(
        'INSERT OR REPLACE INTO holders (lease, run_id, ref, expires_at, notify_at) VALUES (?, ?, ?, ?, ?)',
        head.lease,
        head.run_id,
        head.ref,
        Number(head.deadline) + LEASE_MARGIN_MS,
        now,
      );
    }
  }

  /** Sets the alarm to the earliest expiry, deadline or telling; deletes it when nothing is due. */
  private async arm(): Promise<void> {
    const next = this.sql
      .exec(
        `SELECT MIN(t) AS next FROM (SELECT MIN(expires_at) AS t FROM holders UNION ALL
         SELECT MIN(notify_at) FROM holders UNION ALL SELECT MIN(deadline) FROM waiting)`,
      )
      .one().next as number | null;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }

  private holds(lease: string): boolean {
    return this.sql.exec('SELECT 1 FROM holders WHERE lease = ?', lease).toArray().length > 0;
  }

  private waits(lease: string): boolean {
    return this.sql.exec('SELECT 1 FROM waiting WHERE lease = ?', lease).toArray().length > 0;
  }

  private count(table: 'holders' | 'waiting'): number {
    return Number(this.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
  }

  private positionOf(lease: string): number {
    const me = this.sql.exec('SELECT priority, enqueued_at, seq FROM waiting WHERE lease = ?', lease).one();
    return (
      1 +
      Number(
        this.sql
          .exec(
            `SELECT COUNT(*) AS n FROM waiting WHERE priority > ? OR (priority = ? AND
             (enqueued_at < ? OR (enqueued_at = ? AND seq < ?)))`,
            me.priority,
            me.priority,
            me.enqueued_at,
            me.enqueued_at,
            me.seq,
          )
          .one().n,
      )
    );
  }
}

function refOf({ stepId, attempt, unit }: SlotRequest): string {
  return JSON.stringify({ stepId, attempt, ...(unit ? { unit } : {}) });
}
