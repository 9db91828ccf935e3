import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ApiError, session, signOutUnauthorized, tokenProtocol } from './api';
import { followEventStream, followRunNotices, RETRY_MS } from './live';

/** GETs `/api<path>` when the path changes; `reload()` reads it again. A null path reads nothing. */
export function useApi<T>(path: string | null) {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: !!path });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the dependency reload() changes to read again
  useEffect(() => {
    if (!path) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: ApiError) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The page's side of a live connection: fetch, the session's token, sign-out on 401. */
const liveHost = (connected: (open: boolean) => void) => ({
  fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  token: session.token,
  connected,
  unauthorized: signOutUnauthorized,
});

/**
 * Follows a server-sent events endpoint of the API (`GET /api/live/...`) with the session's token;
 * reconnects after the server ends the stream or the network drops; signs out on 401 (see live.ts).
 */
export function useEventStream(
  path: string | null,
  onEvent: (event: string, data: string) => void,
  retryMs = RETRY_MS,
) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!path) return;
    return followEventStream(path, (event, data) => handler.current(event, data), liveHost(setConnected), retryMs);
  }, [path, retryMs]);
  return connected;
}

/**
 * Listens to a run's change notices (`GET /api/live/runs/:id`, a WebSocket the RunObject holds) and
 * calls `onChange` for each. Reconnects while the run is live; signs out on 401. @returns whether it is connected.
 */
export function useRunNotices(runId: string, active: boolean, onChange: (status: string) => void) {
  const handler = useRef(onChange);
  handler.current = onChange;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!active) return;
    const open = (path: string) => {
      const url = new URL(`/api${path}`, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const token = session.token();
      return new WebSocket(url, token ? ['baton', tokenProtocol(token)] : ['baton']);
    };
    return followRunNotices(runId, (status) => handler.current(status), { ...liveHost(setConnected), open });
  }, [runId, active]);
  return connected;
}
