import { DurableObject } from 'cloudflare:workers';
import { BatonError } from '../../core/errors';
import { gcraDecide } from '../../core/flow/gcra';
import type { FlowGateStep, WaitingGate } from '../../core/flow/plan';
import type { GatedRun } from '../../ports';
import type { AppEnv } from './env';
import { cancelActiveRun, endedOf } from './flow-chain';
import { failGatedRun, GatedStartError, handOn } from './flow-start';
import { addHolder, countOf, createGateTables, isHolder, positionOf, retakePlace, waits } from './flow-gate-tables';

/** A holder whose release did not come is checked against its run's record this often, ms. */
export const HOLD_CHECK_MS = 60_000;
/** A hand-on (the next gate, the start) that failed is tried again after this, doubling, ms. */
const RETRY_MS = 200;
const RETRY_MAX_MS = 30_000;
/** A let-through run whose start failed this many times (about 3 minutes of tries) is failed, `start_failed`. */
export const MAX_START_TRIES = 12;
/** Most runs that may wait in one gate; more are refused. */
export const MAX_GATE_WAITING = 100_000;
/** Work per alarm: hand-ons, cancels, holder checks. */
const PER_ALARM = 20;
/** How long a throttle remembers the runs it let pass (a re-offer passes again, uncounted), ms. */
const PASSED_KEEP_MS = 86_400_000;

/** The answer to an offer: the run passes this gate now, waits (1 = next), or is refused. */
export type GateAnswer = { granted: true } | { queued: true; position: number } | { refused: string };

type Row = Record<string, SqlStorageValue>;

/**
 * One Durable Object per flow-control rule and key (`<tenant>:<workflow>:<rule>[<index>]:<key>`,
 * src/core/flow/plan.ts). A `rate_limit` keeps the starts of its window (a sliding log); a
 * `singleton` its one holder; a `concurrency` its holders and a waiting list (priority high first,
 * then age); a `throttle` its GCRA time (src/core/flow/gcra.ts) and a waiting list. A run it lets
 * through later is handed on to its next gate, or started, from the alarm (retried until done).
 * The alarm is set to the earliest due thing (a hand-on, a throttle turn, a holder check); nothing
 * polls, and all of it is in SQLite storage, so it survives a crash.
 */
export class FlowGate extends DurableObject<AppEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    createGateTables(this.sql);
  }

  /** `rate_limit`: counts start `id` in the window. @returns null when it may go, else ms until one may. */
  async rateLimit(
    gate: Extract<FlowGateStep, { rule: 'rate_limit' }>,
    id: string,
  ): Promise<{ retryAfterMs: number } | null> {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM counted WHERE at <= ?', now - gate.periodMs);
      if (this.sql.exec('SELECT 1 FROM counted WHERE id = ?', id).toArray().length) return null;
      const { n, oldest } = this.sql.exec('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM counted').one();
      if (Number(n) >= gate.limit) return { retryAfterMs: Math.max(1, Number(oldest) + gate.periodMs - now) };
      this.sql.exec('INSERT INTO counted (id, at) VALUES (?, ?)', id, now);
      return null;
    });
  }

  /** `singleton`: `runId` holds it, unless another run does (skip: that run; cancel: it is cancelled). */
  async singleton(
    gate: Extract<FlowGateStep, { rule: 'singleton' }>,
    tenantId: string,
    runId: string,
  ): Promise<{ skipped: string } | { held: true; cancelled?: string }> {
    const now = Date.now();
    const answer = this.ctx.storage.transactionSync((): { skipped: string } | { held: true; cancelled?: string } => {
      const active = this.sql.exec('SELECT run_id FROM holders WHERE run_id != ? LIMIT 1', runId).toArray()[0];
      if (active && gate.mode === 'skip') return { skipped: String(active.run_id) };
      if (active) {
        this.sql.exec('DELETE FROM holders WHERE run_id = ?', active.run_id);
        this.sql.exec(
          'INSERT OR REPLACE INTO cancels (run_id, tenant_id, reason, due_at) VALUES (?, ?, ?, ?)',
          active.run_id,
          tenantId,
          `singleton: replaced by run ${runId}`,
          now,
        );
      }
      addHolder(this.sql, runId, tenantId, now);
      return active ? { held: true, cancelled: String(active.run_id) } : { held: true };
    });
    if ('cancelled' in answer && answer.cancelled) await this.cancelDue(now);
    await this.arm();
    return answer;
  }

  /**
   * Offers a run to this (concurrency or throttle) gate, `at` its index in `run.gates`.
   * Idempotent by run id: a holder or a run that passed is granted again, a waiter keeps its place.
   */
  async offer(gate: WaitingGate, run: GatedRun, at: number): Promise<GateAnswer> {
    const now = Date.now();
    const answer = this.ctx.storage.transactionSync((): GateAnswer => {
      this.ctx.storage.kv.put('gate', gate);
      this.promote(now);
      if (gate.rule === 'concurrency' && isHolder(this.sql, run.runId)) return { granted: true };
      if (
        gate.rule === 'throttle' &&
        this.sql.exec('SELECT 1 FROM passed WHERE run_id = ?', run.runId).toArray().length
      )
        return { granted: true };
      if (!waits(this.sql, run.runId)) {
        if (countOf(this.sql, 'waiting') === 0 && this.pass(gate, run.runId, run.tenantId, now))
          return { granted: true };
        if (countOf(this.sql, 'waiting') >= MAX_GATE_WAITING)
          return { refused: `${MAX_GATE_WAITING} runs wait here already` };
        this.sql.exec(
          'INSERT INTO waiting (run_id, priority, enqueued_at, run, at) VALUES (?, ?, ?, ?, ?)',
          run.runId,
          Math.max(1, Math.min(10, Math.floor(run.priority) || 5)),
          Number.isFinite(run.enqueuedAt) ? run.enqueuedAt : now,
          JSON.stringify(run),
          at,
        );
      }
      return { queued: true, position: positionOf(this.sql, run.runId) };
    });
    await this.arm();
    return answer;
  }

  /**
   * Takes a place again for a restarted run (`concurrency`, `singleton`) when one is free now and
   * no run waits for it. @returns null when held, else why not (the restart is refused).
   */
  async retake(rule: 'concurrency' | 'singleton', runId: string, tenantId: string): Promise<string | null> {
    const now = Date.now();
    const gate = this.ctx.storage.kv.get<WaitingGate>('gate');
    return this.ctx.storage.transactionSync(() => retakePlace(this.sql, rule, gate, runId, tenantId, now));
  }

  /** Gives back `runId`'s place (its run ended, or never started); the next waiter goes on. */
  async release(runId: string): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM holders WHERE run_id = ?', runId);
      this.sql.exec('DELETE FROM waiting WHERE run_id = ?', runId);
      this.promote(Date.now());
    });
    await this.arm();
  }

  /** A waiting run's place in the list (1 = next), or null when it does not wait here. */
  async position(runId: string): Promise<number | null> {
    return waits(this.sql, runId) ? positionOf(this.sql, runId) : null;
  }

  /** Deletes everything this object stores (its tenant is deleted); it answers as new after its next start. */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Who holds a place and who waits, in order (tests). */
  async status(): Promise<{ holders: string[]; waiting: string[] }> {
    return {
      holders: this.sql
        .exec('SELECT run_id FROM holders ORDER BY since')
        .toArray()
        .map((r) => String(r.run_id)),
      waiting: this.sql
        .exec('SELECT run_id FROM waiting ORDER BY priority DESC, enqueued_at, seq')
        .toArray()
        .map((r) => String(r.run_id)),
    };
  }

  /** Hands on the runs let through, retries cancels, and checks holders whose release never came. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => this.promote(now));
    const due = this.sql
      .exec('SELECT * FROM handons WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, PER_ALARM)
      .toArray();
    await Promise.all(due.map((row) => this.handOnRow(row, now)));
    await this.cancelDue(now);
    await this.checkHolders(now);
    await this.arm();
  }

  /** Hands one let-through run on; a start that fails for good (or {@link MAX_START_TRIES} times) fails the run. */
  private async handOnRow(row: Row, now: number): Promise<void> {
    const run = JSON.parse(String(row.run)) as GatedRun;
    try {
      try {
        await handOn(this.env, run, Number(row.at) + 1);
      } catch (err) {
        // A later gate's full waiting list failed the run already: only its places are left to give back.
        const full = err instanceof BatonError && err.code === 'limit_exceeded';
        const last = err instanceof GatedStartError && (err.permanent || Number(row.tries) + 1 >= MAX_START_TRIES);
        if (!full && !last) throw err;
        console.error(`flow gate: run ${run.runId} cannot start (${err.message}); failed`);
        await failGatedRun(this.env, run.tenantId, run.runId, err.message);
      }
      this.sql.exec('DELETE FROM handons WHERE run_id = ?', row.run_id);
    } catch (err) {
      console.warn(`flow gate: run ${row.run_id} not handed on yet; trying again`, err);
      const wait = Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** Number(row.tries));
      this.sql.exec('UPDATE handons SET due_at = ?, tries = tries + 1 WHERE run_id = ?', now + wait, row.run_id);
    }
  }

  /** Cancels the runs a `singleton` (mode cancel) replaced, retrying those not reached. */
  private async cancelDue(now: number): Promise<void> {
    const due = this.sql.exec('SELECT * FROM cancels WHERE due_at <= ? LIMIT ?', now, PER_ALARM).toArray();
    for (const row of due) {
      try {
        await cancelActiveRun(this.env, String(row.tenant_id), String(row.run_id), String(row.reason));
        this.sql.exec('DELETE FROM cancels WHERE run_id = ?', row.run_id);
      } catch (err) {
        console.warn(`flow gate: run ${row.run_id} not cancelled yet; trying again`, err);
        const wait = Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** Number(row.tries));
        this.sql.exec('UPDATE cancels SET due_at = ?, tries = tries + 1 WHERE run_id = ?', now + wait, row.run_id);
      }
    }
  }

  /** Holders unchecked for {@link HOLD_CHECK_MS}: those whose run ended (or was never recorded) lose their place. */
  private async checkHolders(now: number): Promise<void> {
    const stale = this.sql
      .exec(
        'SELECT run_id, since FROM holders WHERE checked_at <= ? ORDER BY checked_at LIMIT ?',
        now - HOLD_CHECK_MS,
        PER_ALARM,
      )
      .toArray();
    if (!stale.length) return;
    let ended: Set<string>;
    try {
      ended = await endedOf(
        this.env,
        stale.map((r) => String(r.run_id)),
      );
    } catch (err) {
      console.warn('flow gate: holders not checked (D1 unavailable)', err);
      return;
    }
    this.ctx.storage.transactionSync(() => {
      for (const row of stale) {
        if (ended.has(String(row.run_id))) {
          console.warn(`flow gate: run ${row.run_id} ended without releasing its place; taken back`);
          this.sql.exec('DELETE FROM holders WHERE run_id = ?', row.run_id);
        } else this.sql.exec('UPDATE holders SET checked_at = ? WHERE run_id = ?', now, row.run_id);
      }
      this.promote(now);
    });
  }

  /** Lets waiters through while the gate allows, in order; each is handed on from the alarm. */
  private promote(now: number): void {
    const gate = this.ctx.storage.kv.get<WaitingGate>('gate');
    if (!gate) return;
    this.sql.exec('DELETE FROM passed WHERE at <= ?', now - PASSED_KEEP_MS);
    for (;;) {
      const head = this.sql.exec('SELECT * FROM waiting ORDER BY priority DESC, enqueued_at, seq LIMIT 1').toArray()[0];
      if (!head) return;
      const run = JSON.parse(String(head.run)) as GatedRun;
      if (!this.pass(gate, run.runId, run.tenantId, now)) return;
      this.sql.exec('DELETE FROM waiting WHERE seq = ?', head.seq);
      this.sql.exec(
        'INSERT OR REPLACE INTO handons (run_id, run, at, due_at) VALUES (?, ?, ?, ?)',
        head.run_id,
        head.run,
        head.at,
        now,
      );
    }
  }

  /** Lets one run through if the gate allows now: a concurrency slot is free, or its throttle turn has come. */
  private pass(gate: WaitingGate, runId: string, tenantId: string, now: number): boolean {
    if (gate.rule === 'concurrency') {
      if (countOf(this.sql, 'holders') >= gate.limit) return false;
      addHolder(this.sql, runId, tenantId, now);
      return true;
    }
    const decision = gcraDecide(this.ctx.storage.kv.get<number>('tat') ?? null, now, gate);
    if (!decision.allowed) return false;
    this.ctx.storage.kv.put('tat', decision.tat);
    this.sql.exec('INSERT OR REPLACE INTO passed (run_id, at) VALUES (?, ?)', runId, now);
    return true;
  }

  /** Sets the alarm to the earliest hand-on, cancel, holder check or throttle turn; deletes it when none. */
  private async arm(): Promise<void> {
    const times = [
      this.sql.exec('SELECT MIN(due_at) AS t FROM handons').one().t,
      this.sql.exec('SELECT MIN(due_at) AS t FROM cancels').one().t,
      this.sql.exec('SELECT MIN(checked_at) AS t FROM holders').one().t,
    ].map((t, i) => (t === null ? null : Number(t) + (i === 2 ? HOLD_CHECK_MS : 0)));
    const gate = this.ctx.storage.kv.get<WaitingGate>('gate');
    if (gate?.rule === 'throttle' && countOf(this.sql, 'waiting') > 0) {
      const d = gcraDecide(this.ctx.storage.kv.get<number>('tat') ?? null, Date.now(), gate);
      times.push(d.allowed ? Date.now() : d.at);
    }
    const next = times.filter((t): t is number => t !== null).reduce((a, b) => Math.min(a, b), Infinity);
    if (next === Infinity) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }
}
