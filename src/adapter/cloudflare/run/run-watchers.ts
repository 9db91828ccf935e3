/** Subprotocol the dashboard asks for and the RunObject answers with. */
export const LIVE_PROTOCOL = 'baton';

/** Least time between two change notices to one run's watchers, ms. */
export const NOTIFY_INTERVAL_MS = 150;

/**
 * Dashboard viewers of one run, on hibernatable WebSockets: the RunObject may be evicted between
 * events without closing them. A commit sends `{ type: 'changed', status }`, at most every
 * NOTIFY_INTERVAL_MS; the viewer then reads the run over the API. No run data travels on the socket.
 */
export class RunWatchers {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private status = '';

  constructor(private readonly ctx: DurableObjectState) {}

  /** Accepts a WebSocket upgrade; the first frame carries the run's status. */
  accept(status: string): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: 'changed', status }));
    return new Response(null, { status: 101, webSocket: client, headers: { 'sec-websocket-protocol': LIVE_PROTOCOL } });
  }

  /** Tells the watchers the run changed; coalesced into one notice per interval. */
  notify(status: string): void {
    this.status = status;
    if (this.timer || this.ctx.getWebSockets().length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const notice = JSON.stringify({ type: 'changed', status: this.status });
      for (const ws of this.ctx.getWebSockets()) {
        try {
          ws.send(notice);
        } catch {
          // a socket closing under us; the runtime drops it
        }
      }
    }, NOTIFY_INTERVAL_MS);
  }
}
