import { DurableObject } from 'cloudflare:workers';
import { durationMs } from '../core/definition';
import { decide, DEFAULT_STEP_TIMEOUT_MS, initialState, isRunTerminal, type NewRun, type RunEvent, type RunState } from '../core/engine';
import { database } from '../db/client';
import { mirrorRun } from '../db/runs';
import type { AppEnv, StepMessage } from '../env';
import type { StepError } from '../schemas/errors';
import type { Usage } from '../core/engine';
import { sendRunReply } from './mailer';
import { RunStore, type OutboxEntry } from './run-store';

/** What a consumer gets when it claims an attempt. */
export interface Claim {
  tenantId: string;
  workflow: string;
  agent: string;
  input: unknown;
  /** Time left before the attempt's timeout, ms. */
  timeoutMs: number;
}

/** What a consumer reports after calling the agent. */
export type Report =
  | { stepId: string; attempt: number; ok: true; output: unknown; usage?: Usage; provider?: string }
  | { stepId: string; attempt: number; ok: false; error: StepError; usage?: Usage; provider?: string };

/** Delay before retrying an outbox that could not be carried out (D1 or Queue unavailable), ms. */
const OUTBOX_RETRY_MS = 2_000;

/**
 * One Durable Object per run: the single writer of the run's state. Every event goes through the
 * pure `decide()`; the new state, timers and outbox are persisted in one transaction, then the
 * outbox is carried out (Queue dispatches, D1 mirror, reply email). The one alarm is set to the
 * earliest timer; a wake-up replays whatever the outbox still holds.
 */
export class RunObject extends DurableObject<AppEnv> {
  private readonly store: RunStore;
  private queue: Promise<unknown> = Promise.resolve();
  private flushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.store = new RunStore(ctx.storage);
  }

  /** Starts the run; a no-op when it already exists. */
  async start(run: NewRun & { tenantId: string }): Promise<void> {
    await this.serial(async () => {
      if (this.store.state()) return;
      const { tenantId, ...init } = run;
      this.store.put('tenantId', tenantId);
      await this.apply(initialState(init), { type: 'RunStarted' });
    });
    await this.flush();
  }

  /**
   * Claims an attempt for execution. Answers null when the attempt is stale (retried, timed out,
   * run ended) or was claimed already, so a duplicate Queue delivery calls no agent.
   */
  async claim(stepId: string, attempt: number): Promise<Claim | null> {
    const claim = await this.serial(async () => {
      const state = this.store.state();
      const step = state?.steps[stepId];
      const current = step?.attempts.at(-1);
      if (!state || !step || step.status !== 'running' || step.attempt !== attempt || current?.status !== 'running') return null;
      if (current.startedAt !== undefined) return null;
      const def = state.definition.steps.find((s) => s.id === stepId)!;
      const budget = def.timeout ? durationMs(def.timeout) : DEFAULT_STEP_TIMEOUT_MS;
      const timeoutMs = Math.max(1, current.dispatchedAt + budget - Date.now());
      await this.apply(state, { type: 'StepStarted', stepId, attempt });
      return { tenantId: this.tenantId(), workflow: state.workflow, agent: def.agent, input: step.input, timeoutMs } satisfies Claim;
    });
    await this.flush();
    return claim;
  }

  /** Records the outcome of an attempt; stale and duplicate reports change nothing. */
  async report(report: Report): Promise<void> {
    await this.serial(async () => {
      const state = this.store.state();
      if (!state) return;
      const event: RunEvent = report.ok
        ? { type: 'StepSucceeded', stepId: report.stepId, attempt: report.attempt, output: report.output, usage: report.usage, provider: report.provider }
        : { type: 'StepFailed', stepId: report.stepId, attempt: report.attempt, error: report.error, usage: report.usage, provider: report.provider };
      await this.apply(state, event);
    });
    await this.flush();
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

  private tenantId(): string {
    return this.store.get<string>('tenantId') ?? 'default';
  }

  /** Runs `fn` after every earlier call finished, so events are decided one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async apply(state: RunState, event: RunEvent): Promise<void> {
    const decision = await decide(state, event, { now: Date.now(), random: Math.random });
    if (decision.state === state) return;
    const outbox: OutboxEntry[] = [];
    const changed = Object.keys(decision.state.steps).filter((id) => JSON.stringify(decision.state.steps[id]) !== JSON.stringify(state.steps[id]));
    for (const command of decision.commands) {
      if (command.type === 'DispatchStep') outbox.push({ type: 'Dispatch', stepId: command.stepId, attempt: command.attempt });
    }
    if (changed.length || decision.state.status !== state.status) outbox.push({ type: 'Mirror', steps: changed });
    if (decision.commands.some((c) => c.type === 'CompleteRun' || c.type === 'FailRun')) outbox.push({ type: 'Finish' });
    this.store.commit(decision.state, decision.commands, outbox);
    // Safety net, coalesced with the commit: should this object die before the outbox is carried
    // out, the alarm wakes it to replay it. A successful flush re-arms the alarm for the next timer.
    if (outbox.length) void this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
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
        await this.carryOut(pending);
      }
    } catch (err) {
      console.error(`run ${this.store.state()?.runId}: outbox not carried out, retrying`, err);
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
      return;
    }
    await this.armAlarm();
  }

  private async carryOut(pending: { seq: number; entry: OutboxEntry }[]): Promise<void> {
    const state = this.store.state()!;
    const dispatches = pending.filter((p) => p.entry.type === 'Dispatch');
    if (dispatches.length) {
      const messages = dispatches.map((p) => {
        const e = p.entry as Extract<OutboxEntry, { type: 'Dispatch' }>;
        return { body: { runId: state.runId, stepId: e.stepId, attempt: e.attempt } satisfies StepMessage, contentType: 'json' as const };
      });
      for (let i = 0; i < messages.length; i += 100) await this.env.STEPS.sendBatch(messages.slice(i, i + 100));
      this.store.done(dispatches.map((p) => p.seq));
    }
    const mirrors = pending.filter((p) => p.entry.type === 'Mirror');
    if (mirrors.length) {
      const steps = new Set(mirrors.flatMap((p) => (p.entry as Extract<OutboxEntry, { type: 'Mirror' }>).steps));
      await mirrorRun(database(this.env.DB), this.tenantId(), state, steps);
      this.store.done(mirrors.map((p) => p.seq));
    }
    const finishes = pending.filter((p) => p.entry.type === 'Finish');
    if (finishes.length) {
      await sendRunReply(this.env, this.tenantId(), state);
      this.store.done(finishes.map((p) => p.seq));
    }
  }

  private async armAlarm(): Promise<void> {
    const next = this.store.nextTimerAt();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
