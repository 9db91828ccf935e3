import jsonata from 'jsonata';
import { budgetOf, BudgetExceeded, EXPRESSION_LIMITS, ExpressionBudget, type Frame } from './limits';

/**
 * JSONata built-ins whose one call can cost far more than its arguments suggest, bound here: each
 * checks what it would do before calling the original (https://docs.jsonata.org/string-functions,
 * /numeric-functions, /date-time-functions). `$eval` is withdrawn: templates interpolate data, and
 * data is never evaluated as code.
 */

type Builtin = { implementation: (...args: unknown[]) => unknown };

/**
 * String built-ins whose work grows with their input (most copy it into code points): each call
 * costs steps by the input's length, like a string the evaluation produces.
 */
const SCANNING: [name: string, signature: string][] = [
  ['length', '<s-:n>'],
  ['substring', '<s-nn?:s>'],
  ['substringBefore', '<s-s:s>'],
  ['substringAfter', '<s-s:s>'],
  ['uppercase', '<s-:s>'],
  ['lowercase', '<s-:s>'],
  ['trim', '<s-:s>'],
  ['contains', '<s-(sf):b>'],
  ['split', '<s-(sf)n?:a<s>>'],
  ['replace', '<s-(sf)(sf)n?:s>'],
  ['match', '<s-f<s:o>n?:a<o>>'],
];

const WRAPPED = [
  'pad',
  'join',
  'string',
  'distinct',
  'sort',
  'zip',
  'fromMillis',
  'toMillis',
  'formatNumber',
  'formatInteger',
  ...SCANNING.map(([n]) => n),
];

/** The built-ins JSONata binds to `$name` (what evaluating `$name` returns), resolved at load. */
const originals = new Map<string, Builtin>();
const loaded = Promise.all(
  WRAPPED.map(async (name) => originals.set(name, (await jsonata(`$${name}`).evaluate(null)) as Builtin)),
);

/** Calls the original built-in: at once when loaded (always, but for the first milliseconds). */
function call(self: unknown, name: string, args: unknown[]): unknown {
  const fn = originals.get(name);
  if (fn) return fn.implementation.apply(self, args);
  return loaded.then(() => originals.get(name)!.implementation.apply(self, args));
}

/** A size check that needs no budget of its own. */
const measure = () => new ExpressionBudget();

const L = EXPRESSION_LIMITS;

function atMost(what: string, size: number, limit: number, unit = 'characters'): void {
  if (size > limit) throw new BudgetExceeded(`${what} would be ${size} ${unit} (at most ${limit})`);
}

/** Date/number pictures are parsed with work that grows faster than their length. */
const MAX_PICTURE = 100;
/** Widths in a `$fromMillis` picture (`[Y,4-6]`): at most this many characters per component. */
const MAX_PICTURE_WIDTH = 64;
/** `$toMillis` turns text components (`[MNn]`, `[Ya]`) into a backtracking regex: at most this many. */
const MAX_TEXT_COMPONENTS = 2;
/** Text `$toMillis` parses with a picture, characters. */
const MAX_TIMESTAMP_TEXT = 100;

function checkPicture(fn: string, picture: unknown): void {
  if (typeof picture === 'string') atMost(`the picture of ${fn}`, picture.length, MAX_PICTURE);
}

function checkWidths(fn: string, picture: unknown): void {
  if (typeof picture !== 'string') return;
  for (const [, modifiers] of picture.matchAll(/\[[^\],]*,([^\]]*)\]/g)) {
    for (const [digits] of modifiers!.matchAll(/\d+/g))
      atMost(`a width in the picture of ${fn}`, Number(digits), MAX_PICTURE_WIDTH);
  }
}

const isNumbers = (a: unknown[]) => a.every((v) => typeof v === 'number');
const isStrings = (a: unknown[]) => a.every((v) => typeof v === 'string');

/** Name, JSONata signature (the built-in's own) and bounded implementation of each replacement. */
export const BOUNDED_BUILTINS: {
  name: string;
  signature: string;
  implementation: (this: unknown, ...args: never[]) => unknown;
}[] = [
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
      const size = measure().sizeOf(value, L.stringLength);
      // Prettified JSON indents every line by its depth: allow for that, roughly.
      atMost('$string', prettify ? size * 4 : size, L.stringLength);
      return call(this, 'string', [value, prettify]);
    },
  },
  {
    name: 'distinct',
    signature: '<x:x>',
    implementation(value: unknown) {
      if (Array.isArray(value)) {
        atMost('$distinct', value.length, L.distinctItems, 'items');
        atMost('$distinct of these values', measure().sizeOf(value, L.distinctSize), L.distinctSize);
      }
      return call(this, 'distinct', [value]);
    },
  },
  {
    name: 'sort',
    signature: '<af?:a>',
    implementation(list: unknown[] | undefined, comparator?: unknown) {
      // JSONata's own sort copies the list at every merge (quadratic): numbers or strings alone
      // sort natively, stable and in the same order; a comparator's calls are counted as steps.
      if (Array.isArray(list) && comparator === undefined && list.length > 1) {
        if (isNumbers(list)) return [...(list as number[])].sort((a, b) => a - b);
        if (isStrings(list)) return [...(list as string[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      }
      return call(this, 'sort', [list, comparator]);
    },
  },
  {
    name: 'zip',
    signature: '<a+>',
    implementation(...lists: unknown[][]) {
      const shortest = Math.min(...lists.map((l) => (Array.isArray(l) ? l.length : 1)));
      atMost('$zip', shortest * lists.length, L.arrayLength, 'items');
      return call(this, 'zip', lists);
    },
  },
  {
    name: 'fromMillis',
    signature: '<n-s?s?:s>',
    implementation(millis: number, picture?: string, timezone?: string) {
      checkPicture('$fromMillis', picture);
      checkWidths('$fromMillis', picture);
      return call(this, 'fromMillis', [millis, picture, timezone]);
    },
  },
  {
    name: 'toMillis',
    signature: '<s-s?:n>',
    implementation(timestamp: string, picture?: string) {
      if (typeof picture === 'string') {
        checkPicture('$toMillis', picture);
        atMost('the text $toMillis parses with a picture', timestamp?.length ?? 0, MAX_TIMESTAMP_TEXT);
        const textual = [...picture.matchAll(/\[[A-Za-z][^\]]*?[aAnNwW][^\]]*\]/g)].length;
        atMost('the text components of a $toMillis picture', textual, MAX_TEXT_COMPONENTS, 'components');
      }
      return call(this, 'toMillis', [timestamp, picture]);
    },
  },
  {
    name: 'formatNumber',
    signature: '<n-so?:s>',
    implementation(value: number, picture: string, options?: unknown) {
      checkPicture('$formatNumber', picture);
      return call(this, 'formatNumber', [value, picture, options]);
    },
  },
  {
    name: 'formatInteger',
    signature: '<n-s:s>',
    implementation(value: number, picture: string) {
      checkPicture('$formatInteger', picture);
      return call(this, 'formatInteger', [value, picture]);
    },
  },
  ...SCANNING.map(([name, signature]) => ({
    name,
    signature,
    implementation(this: { environment: Frame }, ...args: unknown[]) {
      const input = args[0];
      if (typeof input === 'string') {
        const budget = budgetOf(this.environment);
        budget.charge(Math.floor(input.length / budget.limits.charactersPerStep));
      }
      return call(this, name, args);
    },
  })),
  {
    name: 'eval',
    signature: '<sx?:x>',
    implementation() {
      throw new Error('$eval is not available in templates: data is never evaluated as code');
    },
  },
];
