import { unitName } from '../../core/engine/loop-state';
import type { LoopUnit } from '../../core/engine/loop-types';

/** The lease of a call: its idempotency key, `${runId}:${stepId}:${attempt}` (loop turns `…:${turn}:model`). */
export function leaseOf({
  runId,
  stepId,
  attempt,
  unit,
}: {
  runId: string;
  stepId: string;
  attempt: number;
  unit?: LoopUnit;
}) {
  return `${runId}:${stepId}:${attempt}${unit ? `:${unitName(unit)}` : ''}`;
}
