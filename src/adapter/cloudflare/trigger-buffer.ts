import { DurableObject } from 'cloudflare:workers';
import { runIdOf } from '../../app/start-run';
import { BatonError } from '../../core/errors';
import { holdTrigger, isDue, MAX_HELD_TRIGGER_BYTES, type OpenBuffer, releaseRetryAt } from '../../core/flow/buffer';
import { MAX_JSON_DEPTH, valueDeeperThan } from '../../core/json-depth';
import { BODY_REPLAY_WINDOW_MS } from '../../ports';
import type { AppEnv } from './env';
import { startRun } from './run/run-starter';
import { database } from './d1/client';
import { recordHeldSkipped } from './d1/held-records';
import {
  batchEntryOf,
  type BufferedEntry,
  bufferRuleOf,
  type HoldAnswer,
  type HoldRequest,
  releaseRequestOf,
} from './trigger-buffer-release';

/** A trigger's idempotency key is remembered this long after it was held (a repeat joins nothing), ms: a day, as webhook bodies. */
export const SEEN_TTL_MS = BODY_REPLAY_WINDOW_MS;
/** A release in progress is tried again this long after it began if its instance died, ms (a start waits at most 10 s). */
const RELEASE_GUARD_MS = 30_000;
/** Most bursts or batches one object holds unreleased (their starts keep failing); past it new triggers are refused. */
export const MAX_UNRELEASED = 1_000;
/** Most runs released per alarm; the rest go in the next round (the alarm is set again at once). */
const RELEASES_PER_ROUND = 20;

/**
 * Refusals a repeated start cannot change (the workflow or version is gone or archived — `conflict`
 * — the input no longer fits): the release is dropped.
 */
const NEVER_STARTS: ReadonlySet<string> = new Set([
  'not_found',
  'conflict',
  'bad_request',
  'invalid_definition',
  'payload_too_large',
]);

type Row = Record<string, SqlStorageValue>;

/**
 * One Durable Object per (tenant, workflow, rule, key) — named `<tenant>:<workflow>:<rule>:<key>` —
 * holding the triggers of a workflow's `debounce` or `batch` rule (src/schemas/flow.ts) and
 * releasing each burst or batch as one run through the start-run use case (`released: true`, the
 * run id it gave out when the burst opened). Every held trigger is committed to the object's
 * SQLite storage before `hold` answers; the alarm, set to the next release, starts the run and
 * tries again with backoff until the start succeeded. A repeated release starts nothing (the run's
 * idempotency key `run:<id>`), and a trigger held twice (its `idempotencyKey`) joins once.
 */
export class TriggerBuffer extends DurableObject<AppEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS bursts (run_id TEXT PRIMARY KEY, opened_at INTEGER NOT NULL,
      last_at INTEGER NOT NULL, size INTEGER NOT NULL, bytes INTEGER NOT NULL, release_at INTEGER NOT NULL,
      released INTEGER NOT NULL DEFAULT 0, tries INTEGER NOT NULL DEFAULT 0, request TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id TEXT NOT NULL, entry TEXT NOT NULL)`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS entries_run ON entries (run_id, seq)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS seen (idem TEXT PRIMARY KEY, run_id TEXT NOT NULL, at INTEGER NOT NULL)');
    this.sql.exec('CREATE INDEX IF NOT EXISTS seen_at ON seen (at)');
  }

  /** Holds one trigger in the open burst or batch (opening one when none is); see the port, src/ports.ts. */
  async hold(req: HoldRequest): Promise<HoldAnswer> {
    const now = Date.now();
    const entry: BufferedEntry = {
      version: req.version,
      trigger: req.trigger,
      input: req.input,
      priority: req.priority,
    };
    const text = JSON.stringify(entry);
    const bytes = new TextEncoder().encode(text).byteLength;
    if (bytes > MAX_HELD_TRIGGER_BYTES)
      return {
        refused: `a ${req.rule} holds triggers of at most ${MAX_HELD_TRIGGER_BYTES} bytes (trigger and input as JSON); this one has ${bytes}`,
        code: 'payload_too_large',
      };
    // startRun allows the run's trigger MAX_JSON_DEPTH + 2 levels; `trigger.batch[i]` takes two of them.
    if (req.rule === 'batch' && valueDeeperThan(batchEntryOf(entry), MAX_JSON_DEPTH))
      return {
        refused: `a batched trigger (its data and input, as an entry of trigger.batch) may nest at most ${MAX_JSON_DEPTH} levels`,
        code: 'bad_request',
      };
    const rule = bufferRuleOf(req);
    const answer = this.ctx.storage.transactionSync((): HoldAnswer => {
      this.sql.exec('DELETE FROM seen WHERE at < ?', now - SEEN_TTL_MS);
      const seen = req.idempotencyKey ? this.seenRun(req.idempotencyKey) : undefined;
      if (seen) return { runId: seen, size: this.sizeOf(seen), duplicate: true };
      const open = this.openBurst(now);
      if (!open && this.count() >= MAX_UNRELEASED)
        return {
          refused: `${MAX_UNRELEASED} runs of this ${req.rule} wait to start already; try again later`,
          code: 'rate_limited',
        };
      const decision = holdTrigger(open, rule, bytes, now, runIdOf(now, crypto.randomUUID()));
      if (decision.closed) this.close(decision.closed.runId, now);
      this.save(decision.open, req);
      if (rule.rule === 'debounce') this.sql.exec('DELETE FROM entries WHERE run_id = ?', decision.open.runId);
      this.sql.exec('INSERT INTO entries (run_id, entry) VALUES (?, ?)', decision.open.runId, text);
      if (req.idempotencyKey)
        this.sql.exec(
          'INSERT INTO seen (idem, run_id, at) VALUES (?, ?, ?)',
          req.idempotencyKey,
          decision.open.runId,
          now,
        );
      return { runId: decision.open.runId, size: decision.open.size };
    });
    await this.arm();
    return answer;
  }

  /** What the object holds (tests, the dashboard): bursts or batches not yet released and their sizes. */
  async status(): Promise<{ runId: string; size: number; releaseAt: number; released: boolean; tries: number }[]> {
    return this.sql
      .exec('SELECT run_id, size, release_at, released, tries FROM bursts ORDER BY opened_at')
      .toArray()
      .map((r) => ({
        runId: String(r.run_id),
        size: Number(r.size),
        releaseAt: Number(r.release_at),
        released: Number(r.released) === 1,
        tries: Number(r.tries),
      }));
  }

  /** Releases every burst or batch that is due: starts its run; a failed start is tried again later. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    // Should this instance die mid-release, the alarm comes back and the release is tried again.
    await this.ctx.storage.setAlarm(now + RELEASE_GUARD_MS);
    const due = this.ctx.storage.transactionSync(() => {
      const rows = this.sql
        .exec('SELECT * FROM bursts WHERE release_at <= ? ORDER BY release_at LIMIT ?', now, RELEASES_PER_ROUND)
        .toArray();
      for (const row of rows) this.close(String(row.run_id), Number(row.release_at));
      return rows;
    });
    await Promise.all(due.map((row) => this.release(row, now)));
    await this.arm();
  }

  /** Starts one burst's or batch's run, then forgets it; on failure, tries again with backoff (a permanent refusal is logged and dropped). */
  private async release(row: Row, now: number): Promise<void> {
    const runId = String(row.run_id);
    const entries = this.sql
      .exec('SELECT entry FROM entries WHERE run_id = ? ORDER BY seq', runId)
      .toArray()
      .map((r) => JSON.parse(String(r.entry)) as BufferedEntry);
    const request = JSON.parse(String(row.request)) as HoldRequest;
    try {
      if (entries.length > 0) {
        const { tenantId, ...start } = releaseRequestOf(request, runId, entries);
        const started = await startRun(this.env, tenantId, start);
        // A singleton (mode skip) refused the run: its triggers are recorded skipped, not left pointing at nothing.
        if (started.skipped && started.runId !== runId)
          await recordHeldSkipped(database(this.env.DB), tenantId, runId, started.runId);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof BatonError) || !NEVER_STARTS.has(err.code)) {
        const tries = Number(row.tries) + 1;
        console.warn(`${request.workflow} ${request.rule}: run ${runId} did not start (${message}); try ${tries}`);
        this.sql.exec(
          'UPDATE bursts SET tries = ?, release_at = ? WHERE run_id = ?',
          tries,
          releaseRetryAt(tries, now),
          runId,
        );
        return;
      }
      console.error(
        `${request.workflow} ${request.rule}: run ${runId} can never start (${message}); its ${entries.length} trigger(s) dropped`,
      );
    }
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM entries WHERE run_id = ?', runId);
      this.sql.exec('DELETE FROM bursts WHERE run_id = ?', runId);
    });
  }

  /** The burst or batch still taking triggers; a due one is closed first (its release has begun or is imminent). */
  private openBurst(now: number): OpenBuffer | undefined {
    const row = this.sql.exec('SELECT * FROM bursts WHERE released = 0 ORDER BY opened_at DESC LIMIT 1').toArray()[0];
    if (!row) return undefined;
    const open: OpenBuffer = {
      runId: String(row.run_id),
      openedAt: Number(row.opened_at),
      lastAt: Number(row.last_at),
      size: Number(row.size),
      bytes: Number(row.bytes),
      releaseAt: Number(row.release_at),
    };
    if (!isDue(open, now)) return open;
    this.close(open.runId, open.releaseAt);
    return undefined;
  }

  /** Takes no more triggers into a burst or batch, to be released at `releaseAt` (now or earlier: the next alarm). */
  private close(runId: string, releaseAt: number): void {
    this.sql.exec('UPDATE bursts SET released = 1, release_at = MIN(release_at, ?) WHERE run_id = ?', releaseAt, runId);
  }

  /** Stores the open burst's timing, and the latest request (its identity and rule) for the release. */
  private save(open: OpenBuffer, req: HoldRequest): void {
    const request = JSON.stringify({ ...req, trigger: { type: req.trigger.type }, input: {} });
    this.sql.exec(
      `INSERT INTO bursts (run_id, opened_at, last_at, size, bytes, release_at, request) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET last_at = excluded.last_at, size = excluded.size, bytes = excluded.bytes,
       release_at = excluded.release_at, request = excluded.request`,
      open.runId,
      open.openedAt,
      open.lastAt,
      open.size,
      open.bytes,
      open.releaseAt,
      request,
    );
  }

  private count(): number {
    return Number(this.sql.exec('SELECT COUNT(*) AS n FROM bursts').one().n);
  }

  private seenRun(idem: string): string | undefined {
    const row = this.sql.exec('SELECT run_id FROM seen WHERE idem = ?', idem).toArray()[0];
    return row ? String(row.run_id) : undefined;
  }

  /** How many triggers a burst or batch holds (1 once it is released: the count is gone with it). */
  private sizeOf(runId: string): number {
    const row = this.sql.exec('SELECT size FROM bursts WHERE run_id = ?', runId).toArray()[0];
    return row ? Number(row.size) : 1;
  }

  /** Sets the alarm to the next release; deletes it when nothing is held. */
  private async arm(): Promise<void> {
    const next = this.sql.exec('SELECT MIN(release_at) AS next FROM bursts').one().next as number | null;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }
}
