import type { RunEvent } from '../../../core/engine/index';
import type { Report } from './attempts';

/** The engine event of an attempt's (or a loop unit's) outcome. */
export function eventOf(report: Report): RunEvent {
  const { stepId, attempt } = report;
  if ('deferred' in report)
    return {
      type: 'StepDeferred',
      stepId,
      attempt,
      ...(report.unit ? { unit: report.unit } : {}),
      reason: report.deferred,
      ...(report.agent ? { agent: report.agent } : {}),
      ...(report.selection ? { selection: report.selection } : {}),
    };
  if ('callId' in report)
    return {
      type: 'ToolCallEnded',
      stepId,
      attempt,
      turn: report.turn,
      callId: report.callId,
      outcome: report.outcome,
    };
  const served = {
    ...(report.agent ? { agent: report.agent } : {}),
    ...(report.selection ? { selection: report.selection } : {}),
  };
  if ('turn' in report)
    return { type: 'TurnEnded', stepId, attempt, turn: report.turn, outcome: report.outcome, ...served };
  const { usage, provider } = report;
  return report.ok
    ? { type: 'StepSucceeded', stepId, attempt, output: report.output, usage, provider, ...served }
    : { type: 'StepFailed', stepId, attempt, error: report.error, usage, provider, ...served };
}

/**
 * Reports waiting for the RunObject's next settle: those that arrive while others are being
 * settled are decided together, in one transaction.
 */
export class PendingReports {
  private pending: { event: RunEvent; done: () => void; failed: (err: unknown) => void }[] = [];

  /** Queues reports. @returns a promise per report, settled when its batch is committed (rejected when that failed). */
  add(reports: readonly Report[]): Promise<void>[] {
    return reports.map(
      (report) => new Promise<void>((done, failed) => this.pending.push({ event: eventOf(report), done, failed })),
    );
  }

  /** Takes every queued report and decides them in one `apply` call; nothing happens when none waits. */
  async settle(apply: (events: RunEvent[]) => Promise<void>): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    try {
      await apply(batch.map((r) => r.event));
      for (const r of batch) r.done();
    } catch (err) {
      for (const r of batch) r.failed(err);
    }
  }
}
