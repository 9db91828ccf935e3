import { DurableObject } from 'cloudflare:workers';
import { durationMs } from '../core/definition';
import { DEFAULT_STEP_TIMEOUT_MS, agentOf, changedSteps, decideAll, initialState, isRunTerminal, nodeOf, type Command, type DispatchKind, type NewRun, type RunEvent, type RunState } from '../core/engine';
import type { AppEnv } from '../env';
import type { Decision } from '../schemas/steps';
import type { ParentLink } from '../ports';
import { executeAttempt, hostFor, reportOf } from './execute-attempt';
import { carryOut, outboxOf } from './outbox';
import { claimable, inFlight, type AttemptRef, type Claim, type Report } from './attempts';
import { RunAlarm } from './run-alarm';
import { RunLane } from './run-lane';
import { RunStore } from './run-store';
import { RunWatchers } from './run-watchers';

export type { AttemptRef, Claim, Report } from './attempts';

/** A report waiting for the next settle. */
interface PendingReport {
  event: RunEvent;
  done: () => void;
  failed: (err: unknown) => void;
}

/**
 * While a run goes on, its D1 mirror is written at most this often, ms; a status change (started,
 * waiting, finished) is mirrored at once. Live detail comes from the RunObject itself.
 */
export const MIRROR_INTERVAL_MS = 500;

/** Delay before retrying an outbox that could not be carried out (D1 or Queue unavailable), ms. */
export const OUTBOX_RETRY_MS = 2_000;

/**
 * While the lane executes an attempt, the alarm wakes the object at least this often, ms. Should
 * the process die mid-call, that wake-up is a new instance: it finds the lane's attempt recorded
 * and executes it again at once, with the same idempotency key (the attempt was never reported).
 */
export const LANE_WATCH_MS = 5_000;

/**
 * One Durable Object per run: the single writer of the run's state. Every event goes through the
 * pure `decide()`; the new state, timers and outbox are persisted in one transaction, then the
 * outbox is carried out (Queue dispatches, child runs, event waits, D1 mirror, reply email). The one
 * alarm is set to the earliest timer; a wake-up replays whatever the outbox still holds.
 *
 * Hot path: the object executes one ready attempt at a time itself (its {@link RunLane}, so a
 * chain takes no Queue hop); the others go through the Queue. Reports that arrive together are
 * settled in one transaction. Callers never wait for the outbox: it is durable once committed, and
 * carried out in the background.
 */
export class RunObject extends DurableObject<AppEnv> {
  private readonly store: RunStore;
  private queue: Promise<unknown> = Promise.resolve();
  private flushing: Promise<void> | null = null;
  private reports: PendingReport[] = [];
  private mirrored = { at: 0, status: '' };
  private mirrorLater: ReturnType<typeof setTimeout> | null = null;
  /** The outbox holds more than a deferred mirror; true at wake-up, so a restart replays it. */
  private urgent = true;
  private readonly watchers: RunWatchers;
  private readonly lane: RunLane;
  private readonly wakeUp: RunAlarm;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage);
    this.wakeUp = new RunAlarm(ctx.storage);
    this.watchers = new RunWatchers(ctx);
    this.lane = new RunLane((claim, signal) => this.execute(claim, signal), (report) => this.reportMany([report]), (work) => ctx.waitUntil(work));
    void ctx.blockConcurrencyWhile(async () => this.resumeLane());
  }

  /**
   * A new instance of this object: an attempt its lane was executing when the previous instance
   * was lost (a crash, a restart, a deploy) is dead, never reported. It is executed again now with
   * the same claim and idempotency key, instead of waiting for its timeout.
   */
  private resumeLane(): void {
    const state = this.store.state();
    const ref = this.store.get<AttemptRef>('lane');
    if (!state || !ref || !inFlight(state, ref) || !this.lane.capacity) return;
    console.warn(`run ${state.runId}: attempt ${ref.stepId}#${ref.attempt} was in flight in a lost instance; executing it again`);
    this.lane.take(this.claimOf(state, ref));
    this.wakeUp.atLatest(Date.now() + LANE_WATCH_MS);
  }

  /** A WebSocket upgrade (`GET /api/live/runs/:id`, authenticated by the Worker): live change notices. */
  override async fetch(request: Request): Promise<Response> {
    const state = this.store.state();
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    if (!state) return new Response('no such run', { status: 404 });
    return this.watchers.accept(state.status);
  }

  /** Completes the closing handshake of a watcher that left. */
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close([1005, 1006, 1015].includes(code) ? 1000 : code, 'bye');
    } catch {
      // already closed by the runtime
    }
  }

  /** Starts the run; a no-op when it already exists. `parent` links a sub-workflow run to its step. */
  async start(run: NewRun & { tenantId: string; parent?: ParentLink }): Promise<void> {
    await this.serial(async () => {
      if (this.store.state()) return;
      const { tenantId, parent, ...init } = run;
      this.store.put('tenantId', tenantId);
      if (parent) this.store.put('parent', parent);
      await this.apply(initialState(init), [{ type: 'RunStarted' }], true);
    });
    await this.flush();
  }

  /** Claims one attempt; see {@link claimMany}. */
  async claim(stepId: string, attempt: number): Promise<Claim | null> {
    return (await this.claimMany([{ stepId, attempt }]))[0] ?? null;
  }

  /**
   * Claims attempts for execution, in one transaction (a fan-out's whole Queue batch at once).
   * @returns one entry per attempt: its claim, or null when it is stale (retried, timed out, run
   * ended) or claimed already, so a duplicate Queue delivery calls nothing.
   */
  async claimMany(attempts: AttemptRef[]): Promise<(Claim | null)[]> {
    const claims = await this.serial(async () => {
      const state = this.store.state();
      if (!state) return attempts.map(() => null);
      const open = attempts.filter((a, i) => claimable(state, a) && attempts.findIndex((b) => b.stepId === a.stepId && b.attempt === a.attempt) === i);
      if (open.length) await this.apply(state, open.map((a) => ({ type: 'StepStarted', ...a })));
      const now = this.store.state()!;
      return attempts.map((a) => (open.includes(a) ? this.claimOf(now, a) : null));
    });
    void this.flush();
    return claims;
  }

  /**
   * Records the outcome of an attempt; stale and duplicate reports change nothing. Reports that
   * arrive while others are being settled are settled together.
   */
  async report(report: Report): Promise<void> {
    await this.reportMany([report]);
  }

  /** {@link report} for several attempts in one call (a consumer's fan-out). */
  async reportMany(reports: Report[]): Promise<void> {
    const settled = reports.map((report) => {
      const { stepId, attempt, usage, provider } = report;
      const event: RunEvent = report.ok
        ? { type: 'StepSucceeded', stepId, attempt, output: report.output, usage, provider }
        : { type: 'StepFailed', stepId, attempt, error: report.error, usage, provider };
      return new Promise<void>((done, failed) => this.reports.push({ event, done, failed }));
    });
    await this.serial(() => this.settleReports());
    void this.flush();
    await Promise.all(settled);
  }

  /** Delivers a published event to the steps waiting for it. @returns true when a step took it. */
  async deliverEvent(eventType: string, data: unknown): Promise<boolean> {
    const changed = await this.serial(async () => {
      const state = this.store.state();
      return state ? (await this.apply(state, [{ type: 'EventReceived', eventType, data }])).changed : false;
    });
    await this.flush();
    return changed;
  }

  /**
   * Pauses, resumes, cancels or restarts the run (CONTRACT.md): pause takes effect between steps;
   * cancel ignores running attempts' late results; restart re-runs a failed run's unfinished steps.
   * @returns the run's status after, or null when this object holds no run.
   */
  async control(action: 'pause' | 'resume' | 'cancel' | 'restart', reason?: string): Promise<RunState['status'] | null> {
    const events: Record<typeof action, RunEvent> = { pause: { type: 'PauseRequested' }, resume: { type: 'ResumeRequested' }, cancel: { type: 'CancelRequested', reason }, restart: { type: 'RestartRequested' } };
    const event = events[action];
    const status = await this.serial(async () => {
      const state = this.store.state();
      if (!state) return null;
      await this.apply(state, [event]);
      return this.store.state()!.status;
    });
    await this.flush();
    return status;
  }

  /**
   * A decision on an approval round by `by` (an assignee's address, `api` or a link holder).
   * @returns whether it counted (false: not pending, not an assignee, voted already, or not an
   * option), and the approval step's status after.
   */
  async decideApproval(d: { stepId: string; round: number; decision: Decision; comment?: string; by: string }): Promise<{ counted: boolean; stepStatus: string | null }> {
    const result = await this.serial(async () => {
      const state = this.store.state();
      if (!state) return { counted: false, stepStatus: null };
      const { changed } = await this.apply(state, [{ type: 'ApprovalDecided', stepId: d.stepId, attempt: d.round, decision: d.decision, comment: d.comment, by: d.by }]);
      return { counted: changed, stepStatus: this.store.state()!.steps[d.stepId]?.status ?? null };
    });
    await this.flush();
    return result;
  }

  /** The run's current state, or null when this object holds no run. */
  async snapshot(): Promise<RunState | null> {
    return this.store.state() ?? null;
  }

  /** Fires due timers, then carries out any outbox left by an interrupted wake-up. */
  override async alarm(): Promise<void> {
    this.wakeUp.fired();
    await this.serial(async () => {
      const state = this.store.state();
      const timers = this.store.takeDueTimers(Date.now());
      if (state && timers.length) await this.apply(state, timers.map((timer) => ({ type: 'TimerFired', timer })));
    });
    this.mirrored.at = 0; // the safety net carries out everything, deferred mirrors included
    await this.flush();
  }

  /** Settles every pending report in one transaction. */
  private async settleReports(): Promise<void> {
    const batch = this.reports;
    this.reports = [];
    if (!batch.length) return;
    try {
      const state = this.store.state();
      if (state) await this.apply(state, batch.map((r) => r.event));
      for (const r of batch) r.done();
    } catch (err) {
      for (const r of batch) r.failed(err);
    }
  }

  /** Executes an attempt handed to the lane, as the Queue consumer would; `signal` aborts it. */
  private async execute(claim: Claim, signal: AbortSignal): Promise<Report> {
    const { runId } = this.store.state()!;
    const { result, provider } = await executeAttempt(this.env, runId, claim, hostFor(this.env, claim.tenantId), (p) => this.ctx.waitUntil(p), signal);
    return reportOf(claim, result, provider);
  }

  private claimOf(state: RunState, { stepId, attempt }: AttemptRef): Claim {
    const step = state.steps[stepId]!;
    const node = nodeOf(state, stepId);
    const budget = node.step.timeout ? durationMs(node.step.timeout) : DEFAULT_STEP_TIMEOUT_MS;
    const timeoutMs = Math.max(1, step.attempts.at(-1)!.dispatchedAt + budget - Date.now());
    return { stepId, attempt, tenantId: this.tenantId(), workflow: state.workflow, kind: node.kind as DispatchKind, agent: agentOf(state, stepId), input: step.input, timeoutMs };
  }

  private tenantId(): string {
    return this.store.get<string>('tenantId') ?? 'default';
  }

  /** Runs `fn` after every earlier call finished, so events are decided one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Decides events in order and commits the result in one transaction. When the lane is free, the
   * first attempt they dispatch is started here and handed to it instead of being sent to the Queue.
   * @returns whether the run changed.
   */
  private async apply(state: RunState, events: RunEvent[], isNew = false): Promise<{ changed: boolean }> {
    let dispatches: Extract<Command, { type: 'DispatchStep' }>[] = [];
    // The lane's attempt is recorded as started in the same decision (one copy of the state).
    const { state: next, commands } = await decideAll(state, events, { now: Date.now(), random: Math.random }, (decided) => {
      dispatches = decided.filter((c): c is Extract<Command, { type: 'DispatchStep' }> => c.type === 'DispatchStep').slice(0, this.lane.capacity);
      return dispatches.map(({ stepId, attempt }) => ({ type: 'StepStarted', stepId, attempt }));
    });
    const laneKeys = new Set(dispatches.map((d) => `${d.stepId}#${d.attempt}`));
    const changed = isNew ? Object.keys(next.steps) : changedSteps(state, next);
    if (!isNew && changed.length === 0 && commands.length === 0 && next.status === state.status) return { changed: false };
    const outbox = outboxOf(commands, laneKeys);
    if (changed.length || next.status !== state.status || isNew) outbox.push({ type: 'Mirror', steps: changed });
    this.store.commit(next, changed, commands, outbox, dispatches[0] && { stepId: dispatches[0].stepId, attempt: dispatches[0].attempt });
    this.watchers.notify(next.status);
    // Safety net, coalesced with the commit: should this object die before the outbox is carried
    // out, the alarm wakes it to replay it. A successful flush re-arms the alarm for the next timer.
    // A mirror-only outbox gets its alarm when its flush is deferred.
    if (outbox.some((e) => e.type !== 'Mirror')) {
      this.urgent = true;
      void this.wakeUp.set(Date.now() + OUTBOX_RETRY_MS);
    }
    this.lane.release((ref) => inFlight(next, ref));
    for (const d of dispatches) this.lane.take(this.claimOf(next, d));
    if (dispatches.length) this.wakeUp.atLatest(Date.now() + LANE_WATCH_MS);
    return { changed: true };
  }

  /** Carries out the outbox; one flush at a time, repeated while entries keep arriving. */
  private flush(): Promise<void> {
    // Most reports leave only a mirror that is not due yet: a timer is already set for it.
    const state = this.store.state();
    if (!this.flushing && !this.urgent && this.mirrorLater && state && this.mirrorDelay(state) > 0) return Promise.resolve();
    // Assigned before `.finally` can run, so a flush that finds nothing to do still clears itself.
    this.flushing ??= this.drainOutbox().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drainOutbox(): Promise<void> {
    let deferred = 0;
    try {
      for (;;) {
        this.urgent = false;
        const state = this.store.state();
        if (!state) return; // an object that holds no run (a report for an unknown run id) has nothing to carry out
        const all = this.store.outbox();
        deferred = this.mirrorDelay(state);
        const pending = deferred ? all.filter((p) => p.entry.type !== 'Mirror') : all;
        if (!pending.length) break;
        await carryOut(this.env, this.tenantId(), state, pending, {
          done: (seqs) => this.store.done(seqs),
          parent: this.store.get<ParentLink>('parent'),
          childFailed: (report) => this.serial(async () => {
            await this.apply(this.store.state()!, [{ type: 'StepFailed', stepId: report.stepId, attempt: report.attempt, error: report.error, provider: 'workflow' }]);
          }),
        });
        if (pending.some((p) => p.entry.type === 'Mirror')) this.mirrored = { at: Date.now(), status: state.status };
      }
    } catch (err) {
      console.error(`run ${this.store.state()?.runId}: outbox not carried out, retrying`, err);
      this.urgent = true;
      await this.wakeUp.set(Date.now() + OUTBOX_RETRY_MS);
      return;
    }
    const waiting = this.store.outbox().length > 0;
    if (waiting && !this.mirrorLater) {
      this.mirrorLater = setTimeout(() => {
        this.mirrorLater = null;
        void this.flush();
      }, deferred);
    }
    // The alarm: the next timer, or sooner when a deferred mirror must survive an eviction, or
    // the lane's attempt be found again after a crash.
    const next = Math.min(this.store.nextTimerAt() ?? Infinity, waiting ? Date.now() + deferred + OUTBOX_RETRY_MS : Infinity, this.lane.capacity ? Infinity : Date.now() + LANE_WATCH_MS);
    await this.wakeUp.set(next === Infinity ? null : next);
  }

  /** ms before the D1 mirror may be written again; 0 when due (status changed, or interval passed). */
  private mirrorDelay(state: RunState): number {
    if (state.status !== this.mirrored.status || isRunTerminal(state)) return 0;
    return Math.max(0, this.mirrored.at + MIRROR_INTERVAL_MS - Date.now());
  }
}
