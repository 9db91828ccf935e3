import type { WorkflowDefinition } from '../../schemas/definition';
import type { Issue } from '../../schemas/errors';
import { scanTemplates } from '../expressions';
import { durationMs } from './duration';

/** What a flow-control key template may read. */
const KEY_ROOTS = new Set(['trigger', 'inputs', 'vars']);
/** The largest throttle `burst`. */
export const MAX_THROTTLE_BURST = 10_000;

/**
 * Registration checks of the flow-control keys (README "Flow control"): every `key` template
 * parses and reads only `trigger`, `inputs` and `vars`; `debounce` and `batch` are not set together;
 * `debounce.max_wait` is at least `debounce.period`; a throttle `burst` is at most
 * {@link MAX_THROTTLE_BURST}. Each issue names its YAML path (`concurrency[1].key`, `throttle.burst`).
 */
export function flowIssues(def: WorkflowDefinition): Issue[] {
  const issues: Issue[] = [];
  for (const { template, path } of keyTemplates(def)) {
    const { uses, problems } = scanTemplates(template, path);
    issues.push(...problems);
    for (const use of uses)
      for (const root of use.roots)
        if (!KEY_ROOTS.has(root))
          issues.push({ path, message: `a flow-control key reads only trigger, inputs and vars, not ${root}` });
  }
  if (def.debounce && def.batch)
    issues.push({ path: 'batch', message: 'debounce and batch cannot be set together: each holds the triggers' });
  if (def.debounce?.max_wait && durationMs(def.debounce.max_wait) < durationMs(def.debounce.period))
    issues.push({
      path: 'debounce.max_wait',
      message: `max_wait (${def.debounce.max_wait}) must be at least the period (${def.debounce.period})`,
    });
  if (def.throttle?.burst !== undefined && def.throttle.burst > MAX_THROTTLE_BURST)
    issues.push({ path: 'throttle.burst', message: `burst is at most ${MAX_THROTTLE_BURST}` });
  return issues;
}

/** Every key template of the flow-control rules, with its path. */
function keyTemplates(def: WorkflowDefinition): { template: string; path: string }[] {
  const found: { template: string; path: string }[] = [];
  const add = (template: string | undefined, path: string) => {
    if (template !== undefined) found.push({ template, path });
  };
  if (Array.isArray(def.concurrency))
    for (const [i, c] of def.concurrency.entries()) add(c.key, `concurrency[${i}].key`);
  else add(def.concurrency?.key, 'concurrency.key');
  add(def.throttle?.key, 'throttle.key');
  add(def.rate_limit?.key, 'rate_limit.key');
  add(def.debounce?.key, 'debounce.key');
  add(def.singleton?.key, 'singleton.key');
  add(def.batch?.key, 'batch.key');
  return found;
}
