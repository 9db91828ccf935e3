import { EventSourceParserStream } from 'eventsource-parser/stream';

// The dashboard's live connections (GET /api/live/...), without React: what to do when one ends.

/** How a live connection ended. */
export type LiveEnd =
  /** The server closed a connection that was open (a feed ends after its lifetime). */
  | { kind: 'ended' }
  /** The API answered this HTTP status instead of the stream or the upgrade. */
  | { kind: 'refused'; status: number }
  /** The network failed, or the connection closed before opening with no status to tell why. */
  | { kind: 'dropped' };

/** What to do next: reconnect after a delay (ms), sign out (the token is refused), or give up. */
export type LiveNext =
  | { action: 'reconnect'; afterMs: number }
  | { action: 'sign_out' }
  | { action: 'give_up'; reason: string };

/** First reconnect delay and the most the backoff grows to, ms. */
export const RETRY_MS = 2_000;
export const MAX_RETRY_MS = 30_000;

/**
 * The reconnect decision. 401: the token is refused, reconnecting can never work: sign out.
 * Other 4xx except 408/429 (forbidden, not found): give up. An ended stream reconnects after
 * `retryMs`; a drop, 408, 429 or 5xx after a doubling delay, `failures` being the failures in a row
 * before this one, capped at MAX_RETRY_MS.
 */
export function nextAfter(end: LiveEnd, failures: number, retryMs = RETRY_MS): LiveNext {
  if (end.kind === 'ended') return { action: 'reconnect', afterMs: retryMs };
  if (end.kind === 'refused' && end.status === 401) return { action: 'sign_out' };
  if (end.kind === 'refused' && end.status >= 400 && end.status < 500 && end.status !== 408 && end.status !== 429) {
    return { action: 'give_up', reason: `the API answered ${end.status}` };
  }
  return { action: 'reconnect', afterMs: Math.min(MAX_RETRY_MS, retryMs * 2 ** Math.min(failures, 16)) };
}

/** What a live connection needs from the page. */
export interface LiveHost {
  fetch: typeof fetch;
  token: () => string | null;
  connected: (open: boolean) => void;
  /** The token was refused: clear it and show the sign-in. */
  unauthorized: () => void;
  schedule?: (run: () => void, ms: number) => ReturnType<typeof setTimeout>;
}

/**
 * Follows a server-sent events endpoint (`/api<path>`) with the session's token, calling `onEvent`
 * for each event, and reconnects as `nextAfter` decides. @returns a function that stops it.
 */
export function followEventStream(
  path: string,
  onEvent: (event: string, data: string) => void,
  host: LiveHost,
  retryMs = RETRY_MS,
): () => void {
  const abort = new AbortController();
  const schedule = host.schedule ?? setTimeout;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const connect = async () => {
    let end: LiveEnd = { kind: 'dropped' };
    try {
      const res = await host.fetch(`/api${path}`, {
        headers: authHeaders(host.token()),
        signal: abort.signal,
      });
      if (!res.ok || !res.body) {
        end = { kind: 'refused', status: res.status };
        await res.body?.cancel();
      } else {
        host.connected(true);
        failures = 0;
        const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        for await (const e of events) onEvent(e.event ?? 'message', e.data);
        end = { kind: 'ended' };
      }
    } catch {
      // dropped (or stopped)
    }
    host.connected(false);
    if (abort.signal.aborted) return;
    const next = nextAfter(end, failures, retryMs);
    if (next.action === 'sign_out') return host.unauthorized();
    if (next.action === 'give_up') return;
    if (end.kind !== 'ended') failures += 1;
    timer = schedule(() => void connect(), next.afterMs);
  };
  void connect();
  return () => {
    abort.abort();
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** The part of a WebSocket the run notices use. */
export interface NoticeSocket {
  onopen: ((e: Event) => unknown) | null;
  onmessage: ((e: MessageEvent) => unknown) | null;
  onclose: ((e: CloseEvent) => unknown) | null;
  close(code?: number): void;
}

/**
 * Listens to a run's change notices (`/api/live/runs/:id`, a WebSocket). A browser does not say why
 * an upgrade was refused, so a socket that closes before opening asks `GET /api/runs/:id?steps=false`
 * for the status, then `nextAfter` decides. @returns a function that stops it.
 */
export function followRunNotices(
  runId: string,
  onChange: (status: string) => void,
  host: LiveHost & { open: (path: string) => NoticeSocket },
  retryMs = RETRY_MS,
): () => void {
  const schedule = host.schedule ?? setTimeout;
  let stopped = false;
  let socket: NoticeSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const path = `/live/runs/${encodeURIComponent(runId)}`;
  const probe = async (): Promise<LiveEnd> => {
    try {
      const res = await host.fetch(`/api/runs/${encodeURIComponent(runId)}?steps=false`, {
        headers: authHeaders(host.token()),
      });
      await res.body?.cancel();
      return res.ok ? { kind: 'dropped' } : { kind: 'refused', status: res.status };
    } catch {
      return { kind: 'dropped' };
    }
  };
  const connect = () => {
    let opened = false;
    socket = host.open(path);
    socket.onopen = () => {
      opened = true;
      failures = 0;
      host.connected(true);
    };
    socket.onmessage = (e) => onChange((JSON.parse(String(e.data)) as { status: string }).status);
    socket.onclose = async () => {
      host.connected(false);
      if (stopped) return;
      const end: LiveEnd = opened ? { kind: 'ended' } : await probe();
      if (stopped) return;
      const next = nextAfter(end, failures, retryMs);
      if (next.action === 'sign_out') return host.unauthorized();
      if (next.action === 'give_up') return;
      if (end.kind !== 'ended') failures += 1;
      timer = schedule(connect, next.afterMs);
    };
  };
  connect();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    socket?.close(1000);
  };
}

/** The bearer header of a token; none without one (a signed-in member's cookie goes along by itself). */
function authHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
