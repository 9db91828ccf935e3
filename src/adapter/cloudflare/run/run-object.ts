import { ENDED_RUN_STATUSES } from '../../../schemas/enums';
import { DurableObject } from 'cloudflare:workers';
import {
  changedSteps,
  decideAll,
  initialState,
  type Command,
  type NewRun,
  type RunEvent,
  type RunState,
} from '../../../core/engine/index';
import type { AppEnv } from '../env';
import type { Decision } from '../../../schemas/steps';
import type { ParentLink } from '../../../ports';
import { executeAttempt, hostFor } from './execute-attempt';
import { carryOut, outboxOf } from './outbox';
import type { OutboxCommand } from './outbox-command';
import { claimable, claimOf, inFlight, refKey, type AttemptRef, type Claim, type Report } from './attempts';
import type { LoopUnit } from '../../../core/engine/loop-types';
import { RunAlarm } from './run-alarm';
import { MAX_LANE_CALLS, RunLane } from './run-lane';
import { RunMirror } from './run-mirror';
import { RunRemote } from './run-remote';
import { OUTBOX_RETRY_MS, RunOutbox } from './run-outbox';
import { PendingReports } from './run-reports';
import { RunStore } from './run-store';
import type { RunTimers } from './run-timers';
import { RunWatchers } from './run-watchers';
import { RunProgress, type ProgressEmail } from './run-progress';
import { progressUpdates } from '../../../core/progress-updates';
import { triggerEmail } from '../mail/mailer';
import { DaySpend } from './day-spend';
import { waitsForSlot } from '../../../core/engine/slots';
import type { GrantAnswer } from '../agent-slots';

export type { AttemptRef, Claim, Report } from './attempts';
export { LANE_WATCH_MS } from './run-lane';
export { MIRROR_INTERVAL_MS } from './run-mirror';
export { OUTBOX_RETRY_MS } from './run-outbox';

/**
 * One Durable Object per run: the single writer of the run's state. Every event goes through the
 * pure `decide()`; the new state, timers and outbox are persisted in one transaction, then the
 * outbox is carried out (Queue dispatches, child runs, event waits, D1 mirror, reply email).
 *
 * Its parts, one job each: {@link RunStore} (state, outbox rows, commit) with {@link RunTimers};
 * {@link RunOutbox} (carries the outbox out, retries it); {@link RunMirror} (defers the D1
 * mirror); {@link RunLane} (executes one ready attempt at a time itself, so a chain takes no
 * Queue hop); {@link RunWatchers} (live notices). Each part with a time of its own tells it
 * (`nextWakeAt`); {@link RunAlarm} alone sets the one alarm to the earliest, after every commit
 * and outbox run, and a wake-up hands each part its turn. Reports that arrive together are settled
 * in one transaction. Callers never wait for the outbox: it is durable once committed.
 */
export class RunObject extends DurableObject<AppEnv> {
  private readonly store: RunStore;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reports = new PendingReports();
  private readonly mirror = new RunMirror(OUTBOX_RETRY_MS);
  private readonly outbox: RunOutbox;
  private readonly watchers: RunWatchers;
  private readonly lane: RunLane;
  private readonly remote: RunRemote;
  private readonly wakeUp: RunAlarm;
  private readonly progress: RunProgress;
  private readonly daySpend = new DaySpend(this.env.DB, () => this.tenantId());

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage);
    this.watchers = new RunWatchers(ctx);
    this.lane = new RunLane(
      (claim, signal) => this.execute(claim, signal),
      (report) => this.reportMany([report]),
      (work) => ctx.waitUntil(work),
      `lane:${ctx.id}`,
    );
    this.remote = new RunRemote(
      env.EXECUTOR,
      (ref) => {
        const state = this.store.state();
        return !!state && inFlight(state, ref);
      },
      (work) => ctx.waitUntil(work),
    );
    this.outbox = new RunOutbox(
      this.store,
      this.mirror,
      (state, pending) => this.carryOut(state, pending),
      () => this.wakeUp.arm(),
    );
    this.progress = new RunProgress(this.store);
    this.wakeUp = new RunAlarm(ctx.storage, [this.store.timers, this.outbox, this.mirror, this.lane, this.progress]);
    void ctx.blockConcurrencyWhile(async () => this.resumeLane());
  }

  /**
   * A new instance of this object: an attempt its lane was executing when the previous instance
   * was lost (a crash, a restart, a deploy) is dead, never reported. It is executed again now with
   * the same claim and idempotency key, instead of waiting for its timeout.
   */
  private async resumeLane(): Promise<void> {
    const state = this.store.state();
    const stored = this.store.get<AttemptRef | AttemptRef[]>('lane');
    const refs = (Array.isArray(stored) ? stored : stored ? [stored] : []).filter(
      (ref) => state && inFlight(state, ref),
    );
    // The attempts a lost instance had handed to executor invocations: out again, same keys.
    const remote = (this.store.get<AttemptRef[]>('remote') ?? []).filter((ref) => state && inFlight(state, ref));
    if (state && remote.length && this.remote.capacity) {
      console.warn(
        `run ${state.runId}: ${remote.length} attempts out with executors of a lost instance; handing out again`,
      );
      this.remote.take(
        state.runId,
        remote.map((ref) => this.claimOf(state, ref)),
      );
    }
    if (!state || !refs.length || !this.lane.capacity) return;
    console.warn(`run ${state.runId}: ${refs.map(refKey).join(', ')} in flight in a lost instance; executing again`);
    this.lane.take(refs.map((ref) => this.claimOf(state, ref)));
    await this.wakeUp.arm();
  }

  /** A WebSocket upgrade (`GET /api/live/runs/:id`, authenticated by the Worker): live change notices. */
  override async fetch(request: Request): Promise<Response> {
    const state = this.store.state();
    // Errors in the API's JSON shape (CONTRACT.md "Errors"): the live route passes these answers on.
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
      return Response.json(
        { error: { code: 'bad_request', message: 'expected a WebSocket upgrade (Upgrade: websocket)' } },
        { status: 426 },
      );
    if (!state)
      return Response.json({ error: { code: 'not_found', message: 'the run has not started yet' } }, { status: 404 });
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

  /**
   * Starts the run; a no-op when it already exists. `parent` links a sub-workflow run to its step.
   * Resolves once the start is committed, before its outbox is carried out.
   */
  async start(run: NewRun & { tenantId: string; parent?: ParentLink }): Promise<void> {
    await this.serial(async () => {
      if (this.store.state()) return;
      const { tenantId, parent, ...init } = run;
      this.store.put('tenantId', tenantId);
      if (parent) this.store.put('parent', parent);
      await this.apply(initialState(init), [{ type: 'RunStarted' }], true);
    });
    // The start is durable once committed: its caller (an API request, a burst of them) does not
    // wait for the outbox (the D1 mirror, dispatches); the alarm replays it should this instance die.
    void this.outbox.flush();
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
      const open = attempts.filter(
        (a, i) => claimable(state, a) && attempts.findIndex((b) => refKey(b) === refKey(a)) === i,
      );
      if (open.length)
        await this.apply(
          state,
          open.map((a) => ({
            type: 'StepStarted',
            stepId: a.stepId,
            attempt: a.attempt,
            ...(a.unit ? { unit: a.unit } : {}),
          })),
        );
      const now = this.store.state()!;
      return attempts.map((a) => (open.includes(a) ? this.claimOf(now, a) : null));
    });
    void this.outbox.flush();
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
    const settled = this.reports.add(reports);
    await this.serial(() =>
      this.reports.settle(async (events) => {
        const state = this.store.state();
        if (state) await this.apply(state, events);
      }),
    );
    void this.outbox.flush();
    await Promise.all(settled);
  }

  /**
   * AgentSlots (the agent's `max_concurrency`) holds a slot for an attempt of this run that waited
   * for it: the attempt is dispatched again (to the lane when free, else the Queue).
   * @returns `taken`; `early` when the attempt runs still (its deferral not yet recorded: tell
   * again); `stale` when it waits no more (ended, timed out, cancelled: the slot is given back).
   */
  async slotGranted(ref: AttemptRef): Promise<GrantAnswer> {
    const answer = await this.serial(async () => {
      const state = this.store.state();
      if (!state) return 'stale';
      if (!waitsForSlot(state, ref)) return inFlight(state, ref) ? 'early' : 'stale';
      await this.apply(state, [
        { type: 'SlotGranted', stepId: ref.stepId, attempt: ref.attempt, ...(ref.unit ? { unit: ref.unit } : {}) },
      ]);
      return 'taken';
    });
    void this.outbox.flush();
    return answer;
  }

  /** Delivers a published event to the steps waiting for it. @returns true when a step took it. */
  async deliverEvent(eventType: string, data: unknown): Promise<boolean> {
    const changed = await this.serial(async () => {
      const state = this.store.state();
      return state ? (await this.apply(state, [{ type: 'EventReceived', eventType, data }])).changed : false;
    });
    await this.outbox.flush();
    return changed;
  }

  /**
   * Pauses, resumes, cancels or restarts the run (CONTRACT.md): pause takes effect between steps;
   * cancel ignores running attempts' late results; restart re-runs a failed run's unfinished steps.
   * @returns the run's status after, or null when this object holds no run.
   */
  async control(
    action: 'pause' | 'resume' | 'cancel' | 'restart',
    reason?: string,
  ): Promise<RunState['status'] | null> {
    const events: Record<typeof action, RunEvent> = {
      pause: { type: 'PauseRequested' },
      resume: { type: 'ResumeRequested' },
      cancel: { type: 'CancelRequested', reason },
      restart: { type: 'RestartRequested' },
    };
    const event = events[action];
    const status = await this.serial(async () => {
      const state = this.store.state();
      if (!state) return null;
      await this.apply(state, [event]);
      return this.store.state()!.status;
    });
    await this.outbox.flush();
    return status;
  }

  /**
   * A decision on an approval round by `by` (an assignee's address, `api` or a link holder).
   * @returns whether it counted (false: not pending, not an assignee, voted already, or not an
   * option), and the approval step's status after.
   */
  async decideApproval(d: {
    stepId: string;
    round: number;
    decision: Decision;
    comment?: string;
    by: string;
    toolCall?: LoopUnit;
    budget?: true;
  }): Promise<{ counted: boolean; stepStatus: string | null }> {
    const result = await this.serial(async () => {
      const state = this.store.state();
      if (!state) return { counted: false, stepStatus: null };
      const { changed } = await this.apply(state, [
        {
          type: 'ApprovalDecided',
          stepId: d.stepId,
          attempt: d.round,
          decision: d.decision,
          comment: d.comment,
          by: d.by,
          ...(d.toolCall ? { toolCall: d.toolCall } : {}),
          ...(d.budget ? { budget: true as const } : {}),
        },
      ]);
      return { counted: changed, stepStatus: this.store.state()!.steps[d.stepId]?.status ?? null };
    });
    await this.outbox.flush();
    return result;
  }

  /**
   * Deletes everything this object stores (retention, tenant deletion): the run, its steps,
   * timers, outbox and alarm. Refused for a run that has not ended unless `force` (the tenant is gone).
   * @returns false when refused.
   */
  async purge(force = false): Promise<boolean> {
    return this.serial(async () => {
      const state = this.store.state();
      if (state && !force && !(ENDED_RUN_STATUSES as readonly string[]).includes(state.status)) return false;
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.store.forget();
      return true;
    });
  }

  /** The run's current state, or null when this object holds no run. */
  async snapshot(): Promise<RunState | null> {
    return this.store.state() ?? null;
  }

  /**
   * The alarm: each part whose time has come takes its turn — due timers fire, the lane's attempt
   * is watched again — and the outbox is carried out, deferred mirrors included (a new instance
   * knows nothing of its predecessor's retries and deferrals). The outbox run re-arms the alarm.
   */
  override async alarm(): Promise<void> {
    this.wakeUp.fired();
    this.lane.wake(Date.now());
    await this.serial(async () => {
      const state = this.store.state();
      const timers = this.store.timers.takeDue(Date.now());
      if (state && timers.length)
        await this.apply(
          state,
          timers.map((timer) => ({ type: 'TimerFired', timer })),
        );
      // Progress updates held by the throttle whose minute has passed.
      const live = this.store.state();
      const email = live && this.progress.due(Date.now());
      if (live && email) {
        this.store.commit(live, [], [], [email]);
        this.outbox.committed([email]);
      }
    });
    this.mirror.wake();
    await this.outbox.flush();
    // A part's time may still be ahead (held progress emails): the alarm is set for it again.
    await this.wakeUp.arm();
  }

  /** Executes an attempt handed to the lane, as the Queue consumer would; `signal` aborts it. */
  private async execute(claim: Claim, signal: AbortSignal): Promise<Report> {
    const { runId } = this.store.state()!;
    return executeAttempt(
      this.env,
      runId,
      claim,
      this.lane.calls.wrap(hostFor(this.env, claim.tenantId)),
      (p) => this.ctx.waitUntil(p),
      signal,
    );
  }

  private claimOf(state: RunState, ref: AttemptRef): Claim {
    return claimOf(state, ref, this.tenantId(), Date.now());
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
    const spend = await this.daySpend.event(state, Date.now()); // budget.usd_per_day: the other runs' spend today
    if (spend) events = [spend, ...events];
    let dispatches: Extract<Command, { type: 'DispatchStep' }>[] = [];
    let remote: Extract<Command, { type: 'DispatchStep' }>[] = [];
    // The lane's attempt is recorded as started in the same decision (one copy of the state).
    const { state: next, commands } = await decideAll(
      state,
      events,
      { now: Date.now(), random: Math.random },
      (decided) => {
        const all = decided.filter((c): c is Extract<Command, { type: 'DispatchStep' }> => c.type === 'DispatchStep');
        dispatches = laneJob(all, this.lane.capacity);
        // The others go straight to executor invocations, claimed here too (the Queue only beyond their capacity).
        remote = all.filter((d) => !dispatches.includes(d)).slice(0, this.remote.capacity);
        return [...dispatches, ...remote].map(({ stepId, attempt, unit }) => ({
          type: 'StepStarted',
          stepId,
          attempt,
          ...(unit ? { unit } : {}),
        }));
      },
    );
    const laneKeys = new Set([...dispatches, ...remote].map(refKey));
    const changed = isNew ? Object.keys(next.steps) : changedSteps(state, next);
    if (!isNew && changed.length === 0 && commands.length === 0 && next.status === state.status)
      return { changed: false };
    const outbox = outboxOf(commands, laneKeys);
    if (changed.length || next.status !== state.status || isNew) outbox.push({ type: 'Mirror', steps: changed });
    const email = this.progressEmail(isNew ? undefined : state, next, changed);
    if (email) outbox.push(email);
    this.store.commit(
      next,
      changed,
      commands,
      outbox,
      dispatches.length
        ? dispatches.map(({ stepId, attempt, unit }) => ({ stepId, attempt, ...(unit ? { unit } : {}) }))
        : undefined,
    );
    this.outbox.committed(outbox);
    this.watchers.notify(next.status);
    this.lane.release((ref) => inFlight(next, ref));
    if (dispatches.length) this.lane.take(dispatches.map((d) => this.claimOf(next, d)));
    if (remote.length) {
      const claims = remote.map((d) => this.claimOf(next, d));
      this.remote.take(next.runId, claims);
      // In the same implicit transaction as the commit (no await between): a new instance resumes them.
      this.store.put(
        'remote',
        this.remote.refs().filter((ref) => inFlight(next, ref)),
      );
    }
    void this.wakeUp.arm();
    return { changed: true };
  }

  /** The progress email a commit sends now (`notify:` on an email-started run), or null; held ones wait in {@link RunProgress}. */
  private progressEmail(before: RunState | undefined, next: RunState, changed: string[]): ProgressEmail | null {
    if (!next.definition.notify || !triggerEmail(next)) return null;
    if ((ENDED_RUN_STATUSES as readonly string[]).includes(next.status)) {
      this.progress.ended();
      return null;
    }
    return this.progress.add(progressUpdates(before, next, changed), Date.now());
  }

  /** Carries out outbox entries for {@link RunOutbox}, with this run's tenant, parent and child-failure report. */
  private carryOut(state: RunState, pending: { seq: number; entry: OutboxCommand }[]): Promise<void> {
    return carryOut(this.env, this.tenantId(), state, pending, {
      done: (seqs) => this.store.done(seqs),
      parent: this.store.get<ParentLink>('parent'),
      childFailed: (report) =>
        this.serial(async () => {
          const { stepId, attempt, unit, error } = report;
          const event: RunEvent = unit?.callId
            ? {
                type: 'ToolCallEnded',
                stepId,
                attempt,
                turn: unit.turn,
                callId: unit.callId,
                outcome: { ok: false, error },
              }
            : { type: 'StepFailed', stepId, attempt, error, provider: 'workflow' };
          await this.apply(this.store.state()!, [event]);
        }),
    });
  }
}

type Dispatch = Extract<Command, { type: 'DispatchStep' }>;

/**
 * What a free lane takes of a decision's dispatches: the first one, and when it is a tool call of
 * an agent turn, the turn's other tool calls with it (at most {@link MAX_LANE_CALLS}), so the
 * object executes them side by side and a new instance resumes every one of them after a crash.
 */
function laneJob(dispatches: Dispatch[], capacity: number): Dispatch[] {
  const first = dispatches[0];
  if (!capacity || !first) return [];
  if (!first.unit?.callId) return [first];
  const sameTurn = (d: Dispatch) =>
    d.stepId === first.stepId &&
    d.attempt === first.attempt &&
    d.unit?.callId !== undefined &&
    d.unit.turn === first.unit!.turn;
  return dispatches.filter(sameTurn).slice(0, MAX_LANE_CALLS);
}
