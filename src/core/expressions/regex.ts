import { RE2JS } from 're2js';
import { BudgetExceeded, EXPRESSION_LIMITS } from './limits';

/**
 * Template regexes (`/…/i` in JSONata) run on RE2 (https://github.com/google/re2/wiki/Syntax,
 * through the pure-JavaScript port re2js), whose matching time is linear in the input: no pattern
 * can backtrack for seconds. RE2 has no backreferences and no lookaround; such a pattern is refused
 * when the definition is registered ({@link regexProblem}).
 */

const compiled = new Map<string, RE2JS>();

function re2Of(regex: RegExp): RE2JS {
  const key = `${regex.flags}/${regex.source}`;
  let re = compiled.get(key);
  if (!re) {
    // JSONata adds `g` to every regex; RE2 takes `i` and `m` as inline flags, `g` means nothing to it.
    re = RE2JS.compile(RE2JS.translateRegExp(new RegExp(regex.source, regex.flags.replace('g', ''))));
    const size = re.programSize();
    if (size > EXPRESSION_LIMITS.regexProgram)
      throw new Error(
        `it compiles to ${size} instructions, at most ${EXPRESSION_LIMITS.regexProgram} (each scan costs input length × this)`,
      );
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/**
 * The subset of `RegExp` JSONata uses (its `RegexEngine` option): `exec` from `lastIndex`, with
 * `lastIndex` moved past each match as a global RegExp does. Indexes are UTF-16 code units.
 * @throws the RE2 syntax error for a pattern RE2 does not support.
 */
export class LinearRegExp {
  lastIndex = 0;
  private readonly re: RE2JS;
  /** JSONata makes one instance per evaluation of a regex literal: its matches are counted here. */
  private matches = 0;
  /** The matcher of the last input (JSONata searches one string many times, from `lastIndex`). */
  private last: { input: string; matcher: ReturnType<RE2JS['matcher']> } | null = null;

  constructor(pattern: RegExp | string, flags?: string) {
    this.re = re2Of(typeof pattern === 'string' ? new RegExp(pattern, flags) : pattern);
  }

  exec(input: string): RegExpExecArray | null {
    if (this.lastIndex > input.length) {
      this.lastIndex = 0;
      return null;
    }
    if (++this.matches > EXPRESSION_LIMITS.regexMatches)
      throw new BudgetExceeded(`more than ${EXPRESSION_LIMITS.regexMatches} matches of /${this.re.pattern()}/`);
    if (this.last?.input !== input) this.last = { input, matcher: this.re.matcher(input) };
    const { matcher } = this.last;
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined);
    const match = Object.assign(groups, { index: matcher.start(), input }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return match;
  }
}

/**
 * Why a regex literal cannot run on RE2, or undefined when it can.
 * @param regex the RegExp JSONata's parser made of a `/…/` literal.
 */
export function regexProblem(regex: RegExp): string | undefined {
  try {
    re2Of(regex);
    return undefined;
  } catch (err) {
    return `regex /${regex.source}/ is not supported: ${(err as Error).message} (template regexes use RE2 syntax, linear-time: no backreferences or lookaround)`;
  }
}
