import type { Usage } from './types';

/** A time for tables: local date and time to the second; '—' when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A duration in ms, short: `850 ms`, `2.4 s`, `3 m 12 s`, `1 h 5 m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} m`;
}

/** Elapsed ms between two ISO times (to now when `end` is absent); null without a start. */
export function elapsed(
  start: string | null | undefined,
  end: string | null | undefined,
  now = Date.now(),
): number | null {
  if (!start) return null;
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

/** A cost in USD: `$0.0123`; '—' for nothing. */
export function formatUsd(usd: number | null | undefined): string {
  if (!usd) return '—';
  return `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** A value for a `<pre>`: text as is, anything else as indented JSON. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** A run id's short form for tables and headings: its random tail (ids are `run_<time><random>`). */
export function shortId(id: string): string {
  return id.slice(-8);
}

/** A cost in USD to 4 decimals (`$0.0123`, `$12.5000`); '—' when unknown. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  return `$${usd.toFixed(4)}`;
}

const count = new Intl.NumberFormat('en-US');

/** Token counts of a usage: `1,200 in / 35 out`; '—' when neither is known. */
export function formatTokens(usage: Usage | null | undefined): string {
  const known = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? count.format(n) : '?');
  if (!usage || (usage.inputTokens === undefined && usage.outputTokens === undefined)) return '—';
  return `${known(usage.inputTokens)} in / ${known(usage.outputTokens)} out`;
}
