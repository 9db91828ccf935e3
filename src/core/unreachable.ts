/**
 * The `never` check that closes an exhaustive `switch` over a union's `type` or `kind`: adding a
 * member without a `case` makes `value` not assignable to `never`, so `tsc` fails there.
 * @throws Error naming `what` and the value, should a value outside the union arrive at run time
 * (old stored data, a cast).
 */
export function unreachable(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
