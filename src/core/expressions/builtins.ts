import jsonata from 'jsonata';
import { BudgetExceeded, EXPRESSION_LIMITS, ExpressionBudget } from './limits';

/**
 * JSONata built-ins whose one call can cost far more than its arguments suggest, bound here: each
 * checks what it would produce before calling the original (https://docs.jsonata.org/string-functions).
 * `$eval` is withdrawn: templates interpolate data, and data is never evaluated as code.
 */

type Builtin = { implementation: (...args: unknown[]) => unknown };

/** The built-ins JSONata binds to `$name` (what evaluating `$name` returns), resolved at load. */
const originals = new Map<string, Builtin>();
const loaded = Promise.all(
  ['pad', 'join', 'string', 'distinct'].map(async (name) => originals.set(name, (await jsonata(`$${name}`).evaluate(null)) as Builtin)),
);

/** Calls the original built-in: at once when loaded (always, but for the first milliseconds). */
function call(self: unknown, name: string, args: unknown[]): unknown {
  const fn = originals.get(name);
  if (fn) return fn.implementation.apply(self, args);
  return loaded.then(() => originals.get(name)!.implementation.apply(self, args));
}

/** A size check that needs no budget of its own (the weights are not kept). */
const measure = new ExpressionBudget();

const L = EXPRESSION_LIMITS;

function atMost(what: string, size: number, limit: number): void {
  if (size > limit) throw new BudgetExceeded(`${what} would be ${size} characters (at most ${limit})`);
}

/** Name, JSONata signature (the built-in's own) and bounded implementation of each replacement. */
export const BOUNDED_BUILTINS: { name: string; signature: string; implementation: (this: unknown, ...args: never[]) => unknown }[] = [
  {
    name: 'pad',
    signature: '<s-ns?:s>',
    implementation(str: string | undefined, width: number, char?: string) {
      atMost('$pad', Math.abs(Math.trunc(width)) * Math.max(1, char?.length ?? 1), L.stringLength);
      return call(this, 'pad', [str, width, char]);
    },
  },
  {
    name: 'join',
    signature: '<a<s>s?:s>',
    implementation(strings: string[] | undefined, separator?: string) {
      if (Array.isArray(strings)) {
        let size = 0;
        for (const s of strings) size += (typeof s === 'string' ? s.length : 0) + (separator?.length ?? 0);
        atMost('$join', size, L.stringLength);
      }
      return call(this, 'join', [strings, separator]);
    },
  },
  {
    name: 'string',
    signature: '<x-b?:s>',
    implementation(value: unknown, prettify?: boolean) {
      atMost('$string', measure.sizeOf(value, L.stringLength) * (prettify ? 2 : 1), L.stringLength);
      return call(this, 'string', [value, prettify]);
    },
  },
  {
    name: 'distinct',
    signature: '<x:x>',
    implementation(value: unknown) {
      if (Array.isArray(value) && value.length > L.distinctItems) throw new BudgetExceeded(`$distinct of ${value.length} items (at most ${L.distinctItems})`);
      return call(this, 'distinct', [value]);
    },
  },
  {
    name: 'eval',
    signature: '<sx?:x>',
    implementation() {
      throw new Error('$eval is not available in templates: data is never evaluated as code');
    },
  },
];
