import { DurableObject } from 'cloudflare:workers';
import { durationMs } from '../core/definition';
import { DEFAULT_STEP_TIMEOUT_MS, agentOf, decide, initialState, isRunTerminal, nodeOf, type DispatchKind, type NewRun, type RunEvent, type RunState, type Usage } from '../core/engine';
import type { AppEnv } from '../env';
import type { StepError } from '../schemas/errors';
import type { ParentLink } from '../triggers/start-run';
import { carryOut } from './outbox';
import { RunStore, type OutboxEntry } from './run-store';

/** What a consumer gets when it claims an attempt. */
export interface Claim {
  tenantId: string;
  workflow: string;
  kind: DispatchKind;
  /** The agent's name, for `agent` steps. */
  agent: string | null;
  /** The rendered input: the agent input, or the `http:` / `mcp:` block. */
  input: unknown;
  /** Time left before the attempt's timeout, ms. */
  timeoutMs: number;
}

/** What a consumer (or a child run) reports after an attempt. */
export type Report =
  | { stepId: string; attempt: number; ok: true; output: unknown; usage?: Usage; provider?: string }
  | { stepId: string; attempt: number; ok: false; error: StepError; usage?: Usage; provider?: string };

/** Delay before retrying an outbox that could not be carried out (D1 or Queue unavailable), ms. */
export const OUTBOX_RETRY_MS = 2_000;

/**
 * One Durable Object per run: the single writer of the run's state. Every event goes through the
 * pure `decide()`; the new state, timers and outbox are persisted in one transaction, then the
 * outbox is carried out (Queue dispatches, child runs, event waits, D1 mirror, reply email). The one
 * alarm is set to the earliest timer; a wake-up replays whatever the outbox still holds.
 */
export class RunObject extends DurableObject<AppEnv> {
  private readonly store: RunStore;
  private queue: Promise<unknown> = Promise.resolve();
  private flushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage);
  }

  /** Starts the run; a no-op when it already exists. `parent` links a sub-workflow run to its step. */
  async start(run: NewRun & { tenantId: string; parent?: ParentLink }): Promise<void> {
    await this.serial(async () => {
      if (this.store.state()) return;
      const { tenantId, parent, ...init } = run;
      this.store.put('tenantId', tenantId);
      if (parent) this.store.put('parent', parent);
      await this.apply(initialState(init), { type: 'RunStarted' }, true);
    });
    await this.flush();
  }

  /**
   * Claims an attempt for execution. Answers null when the attempt is stale (retried, timed out,
   * run ended) or was claimed already, so a duplicate Queue delivery calls nothing.
   */
  async claim(stepId: string, attempt: number): Promise<Claim | null> {
    const claim = await this.serial(async () => {
      const state = this.store.state();
      const step = state?.steps[stepId];
      const current = step?.attempts.at(-1);
      if (!state || !step || step.status !== 'running' || step.attempt !== attempt || current?.status !== 'running') return null;
      if (current.startedAt !== undefined) return null;
      const node = nodeOf(state, stepId);
      const budget = node.step.timeout ? durationMs(node.step.timeout) : DEFAULT_STEP_TIMEOUT_MS;
      const timeoutMs = Math.max(1, current.dispatchedAt + budget - Date.now());
      await this.apply(state, { type: 'StepStarted', stepId, attempt });
      const kind = node.kind as DispatchKind;
      return { tenantId: this.tenantId(), workflow: state.workflow, kind, agent: agentOf(state, stepId), input: step.input, timeoutMs } satisfies Claim;
    });
    await this.flush();
    return claim;
  }

  /** Records the outcome of an attempt; stale and duplicate reports change nothing. */
  async report(report: Report): Promise<void> {
    const { stepId, attempt, usage, provider } = report;
    await this.event(report.ok
      ? { type: 'StepSucceeded', stepId, attempt, output: report.output, usage, provider }
      : { type: 'StepFailed', stepId, attempt, error: report.error, usage, provider });
  }

  /** Delivers a published event to the steps waiting for it. @returns true when a step took it. */
  async deliverEvent(eventType: string, data: unknown): Promise<boolean> {
    return this.event({ type: 'EventReceived', eventType, data });
  }

  /** The run's current state, or null when this object holds no run. */
  async snapshot(): Promise<RunState | null> {
    return this.store.state() ?? null;
  }

  /** Fires due timers, then carries out any outbox left by an interrupted wake-up. */
  override async alarm(): Promise<void> {
    await this.serial(async () => {
      for (const timer of this.store.takeDueTimers(Date.now())) {
        const state = this.store.state();
        if (!state || isRunTerminal(state)) break;
        await this.apply(state, { type: 'TimerFired', timer });
      }
    });
    await this.flush();
  }

  /** Applies one event. @returns true when it changed the run. */
  private async event(event: RunEvent): Promise<boolean> {
    const changed = await this.serial(async () => {
      const state = this.store.state();
      return state ? this.apply(state, event) : false;
    });
    await this.flush();
    return changed;
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

  /** Decides an event and commits the result. @returns true when the run changed. */
  private async apply(state: RunState, event: RunEvent, isNew = false): Promise<boolean> {
    const decision = await decide(state, event, { now: Date.now(), random: Math.random });
    const next = decision.state;
    const changed = Object.keys(next.steps).filter((key) => isNew || JSON.stringify(next.steps[key]) !== JSON.stringify(state.steps[key]));
    if (!isNew && changed.length === 0 && decision.commands.length === 0 && next.status === state.status) return false;
    const outbox: OutboxEntry[] = [];
    for (const c of decision.commands) {
      if (c.type === 'DispatchStep') outbox.push({ type: 'Dispatch', stepId: c.stepId, attempt: c.attempt });
      else if (c.type === 'StartChildRun') outbox.push({ type: 'StartChild', stepId: c.stepId, attempt: c.attempt, workflow: c.workflow, version: c.version, input: c.input });
      else if (c.type === 'WaitForEvent') outbox.push({ type: 'Wait', stepId: c.stepId, eventType: c.eventType });
      else if (c.type === 'StopWaiting') outbox.push({ type: 'StopWait', stepId: c.stepId });
    }
    if (changed.length || next.status !== state.status || isNew) outbox.push({ type: 'Mirror', steps: changed });
    if (decision.commands.some((c) => c.type === 'CompleteRun' || c.type === 'FailRun')) outbox.push({ type: 'Finish' });
    this.store.commit(next, changed, decision.commands, outbox);
    // Safety net, coalesced with the commit: should this object die before the outbox is carried
    // out, the alarm wakes it to replay it. A successful flush re-arms the alarm for the next timer.
    if (outbox.length) void this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
    return true;
  }

  /** Carries out the outbox; one flush at a time, repeated while entries keep arriving. */
  private flush(): Promise<void> {
    // Assigned before `.finally` can run, so a flush that finds nothing to do still clears itself.
    this.flushing ??= this.drainOutbox().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drainOutbox(): Promise<void> {
    try {
      for (let pending = this.store.outbox(); pending.length; pending = this.store.outbox()) {
        await carryOut(this.env, this.tenantId(), this.store.state()!, pending, {
          done: (seqs) => this.store.done(seqs),
          parent: this.store.get<ParentLink>('parent'),
          childFailed: (report) => this.serial(async () => {
            const state = this.store.state()!;
            await this.apply(state, { type: 'StepFailed', stepId: report.stepId, attempt: report.attempt, error: report.error, provider: 'workflow' });
          }),
        });
      }
    } catch (err) {
      console.error(`run ${this.store.state()?.runId}: outbox not carried out, retrying`, err);
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
      return;
    }
    const next = this.store.nextTimerAt();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
