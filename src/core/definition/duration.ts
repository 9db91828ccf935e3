const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Milliseconds in a duration of the definition format (`500ms`, `30s`, `5m`, `2h`, `1d`).
 * The format is checked by the `Duration` schema first; anything else here is a programming error.
 * @throws Error for a string that is not a duration.
 */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
