import type { ExpressionClock } from './clock';
/**
 * Bounds on every template evaluation, so no definition can stall the Worker or exhaust its memory
 * (an infinite recursion, a `$pad` of 10⁸ characters, a value that references one list a billion
 * times). Workers freeze the clock while code runs, so time is bounded by counting evaluation steps.
 */
export const EXPRESSION_LIMITS = {
  /** JSONata evaluation steps (AST node visits) one render may take: tens of ms of CPU. */
  steps: 10_000,
  /** Nesting depth of the evaluation (recursion included). */
  depth: 400,
  /** Length of any string a step produces, UTF-16 code units. */
  stringLength: 1_048_576,
  /** Length of any sequence or array a step produces. */
  arrayLength: 100_000,
  /** Size of any value a step produces: characters of its JSON text, roughly (strings, numbers, keys). */
  valueSize: 4_194_304,
  /** Size of a rendered value (a step's input, the run's output): characters of its JSON text. */
  outputSize: 1_048_576,
  /** Items `$distinct` compares (its work grows with the square). */
  distinctItems: 1_000,
  /** Size of the list `$distinct` compares, characters of its JSON text. */
  distinctSize: 200_000,
  /** Characters of a produced string that cost one step more (work grows with size, not nodes). */
  charactersPerStep: 250,
  /** Items of a produced list that cost one step more. */
  itemsPerStep: 25,
  /** Matches one regex may find in one evaluation. */
  regexMatches: 10_000,
  /** Instructions of a regex's RE2 program (its scan costs input length × this). */
  regexProgram: 300,
} as const;

/** JSONata's function values (lambdas, built-ins) hold their environment: not data, never weighed. */
function isFunction(value: object): boolean {
  return '_jsonata_lambda' in value || '_jsonata_function' in value;
}

/** AST node types whose string results are new (concatenation, function calls), so cost their size. */
const MAKES_STRINGS = new Set(['binary', 'function', 'apply', 'partial']);

/** An evaluation that went over one of {@link EXPRESSION_LIMITS}; the message names the limit. */
export class BudgetExceeded extends Error {
  constructor(message: string) {
    super(`expression budget exceeded: ${message}`);
    this.name = 'BudgetExceeded';
  }
}

/**
 * What one render may still spend: evaluation steps, shared by every expression of the value
 * rendered, and the sizes already measured (by identity, so a shared list is weighed once).
 */
export class ExpressionBudget {
  #steps: number;
  readonly #sizes = new WeakMap<object, number>();

  /**
   * @param limits the bounds of this evaluation.
   * @param clock the run clock `$now()`, `$millis()` and `$random()` read (see `clock.ts`); without
   * one, JSONata's own (the host's time and `Math.random`).
   */
  constructor(
    readonly limits: typeof EXPRESSION_LIMITS = EXPRESSION_LIMITS,
    readonly clock?: ExpressionClock,
  ) {
    this.#steps = limits.steps;
  }

  /** Counts one evaluation step. @throws {BudgetExceeded} past the step limit. */
  step(): void {
    this.charge(1);
  }

  /** Counts `n` steps of work (a large value produced costs by its size). @throws {BudgetExceeded} */
  charge(n: number): void {
    this.#steps -= n;
    if (this.#steps < 0)
      throw new BudgetExceeded(
        `more than ${this.limits.steps} evaluation steps (an endless loop or recursion, or values too large for the work asked)`,
      );
  }

  #rendered = 0;
  readonly #charged = new WeakSet<object>();

  /** Counts characters of a rendered value. @throws {BudgetExceeded} past {@link EXPRESSION_LIMITS}.outputSize in all. */
  addRendered(characters: number): void {
    this.#rendered += characters;
    if (this.#rendered > this.limits.outputSize)
      throw new BudgetExceeded(`a rendered value of more than ${this.limits.outputSize} characters`);
  }

  /**
   * Checks a value a step produced, and charges for its size when the step made it: a string
   * built by an operator or a function call, a list seen for the first time (reading a variable or
   * a field again costs one step). @param nodeType the JSONata AST node's type.
   * @throws {BudgetExceeded} when it is too long or too large, or the budget is spent.
   */
  checkResult(value: unknown, nodeType?: string): void {
    if (typeof value === 'string') {
      if (value.length > this.limits.stringLength)
        throw new BudgetExceeded(`a string of ${value.length} characters (at most ${this.limits.stringLength})`);
      if (nodeType && MAKES_STRINGS.has(nodeType))
        this.charge(Math.floor(value.length / this.limits.charactersPerStep));
    } else if (value !== null && typeof value === 'object') {
      if (Array.isArray(value)) {
        if (value.length > this.limits.arrayLength)
          throw new BudgetExceeded(`a list of ${value.length} items (at most ${this.limits.arrayLength})`);
        if (!this.#charged.has(value)) {
          this.#charged.add(value);
          this.charge(Math.floor(value.length / this.limits.itemsPerStep));
        }
      }
      const size = this.sizeOf(value, this.limits.valueSize);
      if (size > this.limits.valueSize)
        throw new BudgetExceeded(`a value of more than ${this.limits.valueSize} characters`);
    }
  }

  /**
   * Approximate JSON size of a value, in characters; stops counting once past `max`. Sizes of
   * objects are remembered, so a value built from measured parts costs only its own entries.
   */
  sizeOf(value: unknown, max: number, depth = 0): number {
    if (typeof value === 'string') return value.length + 2;
    if (value === null || typeof value !== 'object' || isFunction(value)) return 8;
    const known = this.#sizes.get(value);
    if (known !== undefined) return known;
    if (depth > this.limits.depth)
      throw new BudgetExceeded(`a value nested more than ${this.limits.depth} levels deep`);
    let size = 2;
    const entries = Array.isArray(value) ? value : Object.entries(value);
    for (const entry of entries) {
      size += Array.isArray(value)
        ? this.sizeOf(entry, max - size, depth + 1) + 1
        : this.sizeOf(entry[1], max - size, depth + 1) + entry[0].length + 4;
      if (size > max) return size; // not remembered: a partial count
    }
    this.#sizes.set(value, size);
    return size;
  }
}

/** The binding through which an evaluation's hooks and built-ins find its budget. */
export const BUDGET = '__baton_budget';
/** Where the budget is kept on JSONata's evaluation frame, out of reach of expressions. */
const FRAME_BUDGET = Symbol('budget');

/** JSONata's evaluation frame, as hooks and built-ins (`this.environment`) see it. */
export type Frame = { base: Frame & { [FRAME_BUDGET]?: ExpressionBudget }; lookup(name: string): unknown };

/**
 * The budget of the evaluation a frame belongs to: looked up once, before any expression could
 * bind the name, then kept on the frame. @throws when the evaluation has none.
 */
export function budgetOf(frame: Frame): ExpressionBudget {
  const base = frame.base;
  let budget = base[FRAME_BUDGET];
  if (budget === undefined) {
    const bound = base.lookup(BUDGET);
    if (!(bound instanceof ExpressionBudget)) throw new Error('an expression must be evaluated with a budget');
    budget = base[FRAME_BUDGET] = bound;
  }
  return budget;
}
