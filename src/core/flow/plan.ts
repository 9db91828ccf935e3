import type { WorkflowDefinition } from '../../schemas/definition';
import type { FlowHold } from '../../schemas/flow';
import { durationMs } from '../definition/duration';

/**
 * One flow-control object a start passes, in the fixed order rate_limit → singleton →
 * concurrency[0..] → throttle (src/schemas/flow.ts). `object` names the Durable Object:
 * `<tenant>:<workflow>:<rule>[<index>]:<key>`.
 */
export type FlowGateStep =
  | { rule: 'rate_limit'; object: string; key: string; limit: number; periodMs: number }
  | { rule: 'singleton'; object: string; key: string; mode: 'skip' | 'cancel' }
  | { rule: 'concurrency'; object: string; key: string; index: number; limit: number }
  | { rule: 'throttle'; object: string; key: string; limit: number; periodMs: number; burst: number };

/** A rule of the definition before its key is rendered: where its key template sits (for errors). */
export interface FlowRuleRef {
  template: string | undefined;
  /** The key's YAML path, e.g. `concurrency[1].key`. */
  path: string;
}

/** The name of a flow-control object: one per (tenant, workflow, rule[, index], key). */
export function flowObjectName(
  tenant: string,
  workflow: string,
  rule: string,
  index: number | undefined,
  key: string,
): string {
  return `${tenant}:${workflow}:${rule}${index === undefined ? '' : `[${index}]`}:${key}`;
}

/**
 * The gates a start of this workflow passes, in order, with their keys rendered by `render`
 * (which throws a BatonError naming the path when a template fails).
 */
export async function flowPlan(
  def: WorkflowDefinition,
  tenant: string,
  workflow: string,
  render: (ref: FlowRuleRef) => Promise<string>,
): Promise<FlowGateStep[]> {
  const steps: FlowGateStep[] = [];
  const name = (rule: string, key: string, index?: number) => flowObjectName(tenant, workflow, rule, index, key);
  if (def.rate_limit) {
    const key = await render({ template: def.rate_limit.key, path: 'rate_limit.key' });
    steps.push({
      rule: 'rate_limit',
      object: name('rate_limit', key),
      key,
      limit: def.rate_limit.limit,
      periodMs: durationMs(def.rate_limit.period),
    });
  }
  if (def.singleton) {
    const key = await render({ template: def.singleton.key, path: 'singleton.key' });
    steps.push({ rule: 'singleton', object: name('singleton', key), key, mode: def.singleton.mode });
  }
  const limits =
    def.concurrency === undefined ? [] : Array.isArray(def.concurrency) ? def.concurrency : [def.concurrency];
  for (const [index, c] of limits.entries()) {
    const key = await render({
      template: c.key,
      path: Array.isArray(def.concurrency) ? `concurrency[${index}].key` : 'concurrency.key',
    });
    steps.push({ rule: 'concurrency', object: name('concurrency', key, index), key, index, limit: c.limit });
  }
  if (def.throttle) {
    const key = await render({ template: def.throttle.key, path: 'throttle.key' });
    steps.push({
      rule: 'throttle',
      object: name('throttle', key),
      key,
      limit: def.throttle.limit,
      periodMs: durationMs(def.throttle.period),
      burst: def.throttle.burst ?? 1,
    });
  }
  return steps;
}

/** The places a run holds until it ends (singleton, concurrency): released from its outbox. */
export function holdsOf(plan: FlowGateStep[]): FlowHold[] {
  return plan.flatMap((s): FlowHold[] =>
    s.rule === 'singleton'
      ? [{ rule: 'singleton', key: s.key, object: s.object }]
      : s.rule === 'concurrency'
        ? [{ rule: 'concurrency', index: s.index, key: s.key, object: s.object }]
        : [],
  );
}

/** Every flow-control object a recorded run takes part in (its holds and its throttle): D1 `runs.flow`. */
export function placesOf(plan: FlowGateStep[]): FlowHold[] {
  return plan.flatMap((s): FlowHold[] =>
    s.rule === 'throttle' ? [{ rule: 'throttle', key: s.key, object: s.object }] : holdsOf([s]),
  );
}

/** The gates a run may wait in (concurrency, throttle), in order. */
export type WaitingGate = Extract<FlowGateStep, { rule: 'concurrency' | 'throttle' }>;

/** The gates of a plan a recorded run waits in, in order. */
export function waitingGates(plan: FlowGateStep[]): WaitingGate[] {
  return plan.filter((s): s is WaitingGate => s.rule === 'concurrency' || s.rule === 'throttle');
}
