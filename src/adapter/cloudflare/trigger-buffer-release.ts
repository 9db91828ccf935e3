import type { StartRunRequest } from '../../app/start-run';
import type { TriggerInfo } from '../../core/engine';
import type { BufferRule } from '../../core/flow/buffer';
import type { HeldTrigger } from '../../ports';
import type { Batch, Debounce } from '../../schemas/flow';

/** What the port asks a TriggerBuffer object to hold: the held trigger with its rule as the definition gives it. */
export type HoldRequest = HeldTrigger & { spec: Debounce | Batch };

/** The object's answer: the run the trigger joined, or why it cannot be held (the port throws it as a BatonError). */
export type HoldAnswer =
  | { runId: string; size: number; duplicate?: boolean }
  | { refused: string; code: 'payload_too_large' | 'bad_request' | 'rate_limited' };

/** One trigger as a buffer stores it until the release. */
export interface BufferedEntry {
  version: number;
  trigger: TriggerInfo;
  input: Record<string, unknown>;
  priority: number;
}

/** One entry of a batch run's `trigger.batch`: that trigger's info (`type`, `webhook` | `email` …) and its input. */
export type BatchEntry = TriggerInfo & { input: Record<string, unknown> };

/** The rule of a request, typed for the pure timing (src/core/flow/buffer.ts). */
export function bufferRuleOf(req: HoldRequest): BufferRule {
  return req.rule === 'debounce'
    ? { rule: 'debounce', spec: req.spec as Debounce }
    : { rule: 'batch', spec: req.spec as Batch };
}

/** A trigger as it sits in a batch run's `trigger.batch`. */
export function batchEntryOf(entry: Pick<BufferedEntry, 'trigger' | 'input'>): BatchEntry {
  return { ...entry.trigger, input: entry.input };
}

/**
 * The start of a released burst's or batch's run (`released: true`, its given-out `runId`).
 * Debounce: the last trigger's workflow version, trigger, input and priority. Batch: the first
 * trigger's version, trigger (plus `batch`, every entry in arrival order) and input, and the
 * highest priority of its entries.
 * @param identity the latest request held (tenant, workflow, rule).
 * @param entries the held triggers in arrival order (a debounce keeps only the last); at least one.
 */
export function releaseRequestOf(
  identity: HoldRequest,
  runId: string,
  entries: BufferedEntry[],
): StartRunRequest & { tenantId: string } {
  const base = { tenantId: identity.tenantId, workflow: identity.workflow, runId, released: true } as const;
  if (identity.rule === 'debounce') {
    const last = entries[entries.length - 1]!;
    return { ...base, version: last.version, trigger: last.trigger, input: last.input, priority: last.priority };
  }
  const first = entries[0]!;
  return {
    ...base,
    version: first.version,
    trigger: { ...first.trigger, batch: entries.map(batchEntryOf) },
    input: first.input,
    priority: Math.max(...entries.map((e) => e.priority)),
  };
}
