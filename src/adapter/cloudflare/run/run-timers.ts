import type { Command, Timer } from '../../../core/engine/index';
import { unreachable } from '../../../core/unreachable';

/**
 * A run's durable timers (retry backoffs, step timeouts, sleeps, event and approval deadlines): the
 * rows of the RunObject's `timers` table, written in the commit's transaction and fired by its alarm.
 */
export class RunTimers {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS timers (id TEXT PRIMARY KEY, at INTEGER NOT NULL, timer TEXT NOT NULL)');
  }

  /** Stores a decision's `SetTimer`s and removes its `CancelTimer`s; call inside the commit's transaction. */
  record(commands: Command[]): void {
    for (const command of commands) this.recordOne(command);
  }

  private recordOne(command: Command): void {
    switch (command.type) {
      case 'SetTimer': {
        const t = command.timer;
        this.sql.exec(
          'INSERT INTO timers (id, at, timer) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at, timer = excluded.timer',
          t.id,
          t.at,
          JSON.stringify(t),
        );
        return;
      }
      case 'CancelTimer':
        this.sql.exec('DELETE FROM timers WHERE id = ?', command.timerId);
        return;
      // Every other command goes to the outbox (see `outboxOf`).
      case 'DispatchStep':
      case 'StartChildRun':
      case 'WaitForEvent':
      case 'StopWaiting':
      case 'CompleteRun':
      case 'FailRun':
      case 'CancelRun':
      case 'RequestApproval':
      case 'CloseApproval':
      case 'EscalateApproval':
        return;
      default:
        unreachable(command, 'command');
    }
  }

  /** Timers due at `now` (epoch ms), earliest first, removed from storage. */
  takeDue(now: number): Timer[] {
    const rows = this.sql.exec<{ timer: string }>('DELETE FROM timers WHERE at <= ? RETURNING timer', now).toArray();
    return rows.map((r) => JSON.parse(r.timer) as Timer).sort((a, b) => a.at - b.at);
  }

  /** When the earliest timer is due (epoch ms), or null when there is none. */
  nextWakeAt(): number | null {
    const row = this.sql.exec<{ at: number | null }>('SELECT MIN(at) AS at FROM timers').toArray()[0];
    return row?.at ?? null;
  }
}
