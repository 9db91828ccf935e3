/**
 * The script of the test agent server's `chaos` route, shared with the tests that predict its
 * outcome: a call fails when a fixed hash of `<input>:<stepId>:<attempt>` falls below `percent`.
 * The same calls fail at every test run, independently of each other and of their order, so a
 * test knows exactly how many runs independent retries let through.
 */
export function chaosFails(percent: number, input: unknown, stepId: string, attempt: number): boolean {
  return unit(`${typeof input === 'string' ? input : JSON.stringify(input)}:${stepId}:${attempt}`) < percent / 100;
}

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser: a uniform number in [0, 1). */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}
