import { EventSourceParserStream } from 'eventsource-parser/stream';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, session, tokenProtocol } from './api';

/** GETs `/api<path>` when the path changes; `reload()` reads it again. A null path reads nothing. */
export function useApi<T>(path: string | null) {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: !!path });
  const [tick, setTick] = useState(0);
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

/**
 * Follows a server-sent events endpoint of the API (`GET /api/live/...`) with the session's token;
 * reconnects after the server ends the stream or the network drops, after `retryMs`.
 */
export function useEventStream(path: string | null, onEvent: (event: string, data: string) => void, retryMs = 2_000) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      try {
        const res = await fetch(`/api${path}`, { headers: { authorization: `Bearer ${session.token()}` }, signal: abort.signal });
        if (!res.ok || !res.body) throw new Error(`${res.status}`);
        setConnected(true);
        const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        for await (const e of events) handler.current(e.event ?? 'message', e.data);
      } catch {
        // ended or dropped: reconnect below
      }
      setConnected(false);
      if (!abort.signal.aborted) timer = setTimeout(connect, retryMs);
    };
    void connect();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, retryMs]);
  return connected;
}

/**
 * Listens to a run's change notices (`GET /api/live/runs/:id`, a WebSocket the RunObject holds) and
 * calls `onChange` for each. Reconnects while the run is live. @returns whether it is connected.
 */
export function useRunNotices(runId: string, active: boolean, onChange: (status: string) => void) {
  const handler = useRef(onChange);
  handler.current = onChange;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!active) return;
    let closed = false;
    let socket: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const url = new URL(`/api/live/runs/${encodeURIComponent(runId)}`, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      socket = new WebSocket(url, ['baton', tokenProtocol(session.token() ?? '')]);
      socket.onopen = () => setConnected(true);
      socket.onmessage = (e) => handler.current((JSON.parse(String(e.data)) as { status: string }).status);
      socket.onclose = () => {
        setConnected(false);
        if (!closed) timer = setTimeout(connect, 2_000);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000);
    };
  }, [runId, active]);
  return connected;
}
