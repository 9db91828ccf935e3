import jsonata from 'jsonata';
import { BudgetExceeded, EXPRESSION_LIMITS, ExpressionBudget } from './limits';

/**
 * JSONata built-ins whose one call can cost far more than its arguments suggest, bound here: each
 * checks what it would produce before calling the original (https://docs.jsonata.org/string-functions).
 * `$eval` is withdrawn: templates interpolate data, and data is never evaluated as code.
 */

type Builtin = { implementation: (...args: unknown[]) => unknown };

const originals = new Map<string, Promise<Builtin>>();

/** The built-in JSONata binds to `$name` (what evaluating `$name` returns). */
function original(name: string): Promise<Builtin> {
  let fn = originals.get(name);
  if (!fn) {
    fn = jsonata(`$${name}`).evaluate(null) as Promise<Builtin>;
    originals.set(name, fn);
  }
  return fn;
}

async function call(self: unknown, name: string, args: unknown[]): Promise<unknown> {
  return (await original(name)).implementation.apply(self, args);
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
    async implementation(str: string | undefined, width: number, char?: string) {
      atMost('$pad', Math.abs(Math.trunc(width)) * Math.max(1, char?.length ?? 1), L.stringLength);
      return call(this, 'pad', [str, width, char]);
    },
  },
  {
    name: 'join',
    signature: '<a<s>s?:s>',
    async implementation(strings: string[] | undefined, separator?: string) {
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
    async implementation(value: unknown, prettify?: boolean) {
      atMost('$string', measure.sizeOf(value, L.stringLength) * (prettify ? 2 : 1), L.stringLength);
      return call(this, 'string', [value, prettify]);
    },
  },
  {
    name: 'distinct',
    signature: '<x:x>',
    async implementation(value: unknown) {
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
