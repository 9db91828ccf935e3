import { render, toText, type ExpressionClock } from '../expressions';
import type { TriggerInfo } from '../engine/types';
import { MAX_FLOW_KEY_LENGTH } from '../../schemas/flow';

/** What a flow-control `key` template reads: the trigger and the run's inputs (and the workflow's `vars`). */
export interface FlowKeyContext {
  trigger: TriggerInfo;
  inputs: Record<string, unknown>;
  vars?: Record<string, unknown>;
}

/**
 * Renders a flow-control rule's `key` over the trigger and inputs: the group the rule counts in.
 * Without a template the key is `''` (the whole workflow is one group). A key longer than
 * {@link MAX_FLOW_KEY_LENGTH} characters is cut to a prefix plus a hash of the whole (FNV-1a,
 * http://www.isthe.com/chongo/tech/comp/fnv/), so distinct long keys stay distinct.
 * @param path where the key sits in the definition (`concurrency[1].key`), for errors.
 * @param clock the start's clock, so `$now()` in a key is the start's time.
 * @throws {ExpressionError} when the template fails or exceeds the expression budget.
 */
export async function flowKey(
  template: string | undefined,
  context: FlowKeyContext,
  path: string,
  clock: ExpressionClock,
): Promise<string> {
  if (template === undefined) return '';
  const value = await render(template, { ...context, vars: context.vars ?? {} }, path, clock);
  const text = value === undefined || value === null ? '' : toText(value);
  if (text.length <= MAX_FLOW_KEY_LENGTH) return text;
  return `${text.slice(0, MAX_FLOW_KEY_LENGTH - 9)}~${fnv1a(text)}`;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
