import { describe, expect, it } from 'vitest';
import {
  followEventStream,
  followRunNotices,
  MAX_RETRY_MS,
  nextAfter,
  type NoticeSocket,
} from '../../website/src/live';

/** A page whose timers run when `tick()` is called, and whose fetch answers from a list. */
function page(answers: (() => Response)[]) {
  const calls: string[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  const log: string[] = [];
  const host = {
    fetch: (async (input: RequestInfo | URL) => {
      calls.push(String(input));
      const next = answers.shift();
      if (!next) throw new TypeError('network down');
      return next();
    }) as typeof fetch,
    token: () => 'tok',
    connected: (open: boolean) => log.push(open ? 'open' : 'closed'),
    unauthorized: () => log.push('signed out'),
    schedule: (run: () => void, ms: number) => {
      timers.push({ run, ms });
      return 0 as unknown as ReturnType<typeof setTimeout>;
    },
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return {
    host,
    calls,
    timers,
    log,
    settle,
    tick: async () => {
      timers.shift()!.run();
      await settle();
    },
  };
}
const sse = (text: string) => () => new Response(text, { headers: { 'content-type': 'text/event-stream' } });
const status = (code: number) => () =>
  new Response(JSON.stringify({ error: { code: 'x', message: 'x' } }), { status: code });

describe('live feed reconnect decision', () => {
  it('401 signs out; 403/404 give up; 5xx, 429 and drops back off; an ended stream reconnects', () => {
    expect(nextAfter({ kind: 'refused', status: 401 }, 0)).toEqual({ action: 'sign_out' });
    expect(nextAfter({ kind: 'refused', status: 401 }, 7)).toEqual({ action: 'sign_out' });
    expect(nextAfter({ kind: 'refused', status: 403 }, 0)).toMatchObject({ action: 'give_up' });
    expect(nextAfter({ kind: 'refused', status: 404 }, 0)).toMatchObject({ action: 'give_up' });
    expect(nextAfter({ kind: 'refused', status: 503 }, 0)).toEqual({ action: 'reconnect', afterMs: 2_000 });
    expect(nextAfter({ kind: 'refused', status: 429 }, 1)).toEqual({ action: 'reconnect', afterMs: 4_000 });
    expect(nextAfter({ kind: 'dropped' }, 2)).toEqual({ action: 'reconnect', afterMs: 8_000 });
    expect(nextAfter({ kind: 'dropped' }, 50)).toEqual({ action: 'reconnect', afterMs: MAX_RETRY_MS });
    expect(nextAfter({ kind: 'ended' }, 5)).toEqual({ action: 'reconnect', afterMs: 2_000 });
  });
});

describe('followEventStream (the runs feed)', () => {
  it('a 401 answer signs out once and never reconnects', async () => {
    const p = page([status(401)]);
    followEventStream('/live/runs', () => {}, p.host);
    await p.settle();
    expect(p.log).toEqual(['closed', 'signed out']);
    expect(p.timers).toEqual([]);
    expect(p.calls).toEqual(['/api/live/runs']);
  });

  it('delivers events, reconnects after the stream ends and after a 500, and signs out when the token is later refused', async () => {
    const p = page([sse('event: runs\ndata: {"runs":[]}\n\n'), status(500), status(401)]);
    const events: string[] = [];
    followEventStream('/live/runs', (event, data) => events.push(`${event} ${data}`), p.host);
    await p.settle();
    expect(events).toEqual(['runs {"runs":[]}']);
    expect(p.timers.map((t) => t.ms)).toEqual([2_000]);
    await p.tick();
    expect(p.timers.map((t) => t.ms)).toEqual([2_000]);
    await p.tick();
    expect(p.log).toEqual(['open', 'closed', 'closed', 'closed', 'signed out']);
    expect(p.timers).toEqual([]);
    expect(p.calls).toHaveLength(3);
  });
});

describe('followRunNotices (a run page)', () => {
  function sockets() {
    const made: NoticeSocket[] = [];
    const open = () => {
      const s: NoticeSocket = { onopen: null, onmessage: null, onclose: null, close: () => {} };
      made.push(s);
      return s;
    };
    return { made, open };
  }

  it('an upgrade refused before opening asks the API why: 401 signs out, no reconnect', async () => {
    const p = page([status(401)]);
    const ws = sockets();
    followRunNotices('run_1', () => {}, { ...p.host, open: ws.open });
    ws.made[0]!.onclose!({} as CloseEvent);
    await p.settle();
    expect(p.calls).toEqual(['/api/runs/run_1?steps=false']);
    expect(p.log).toEqual(['closed', 'signed out']);
    expect(p.timers).toEqual([]);
    expect(ws.made).toHaveLength(1);
  });

  it('a socket that was open reconnects when it closes; notices reach the page', async () => {
    const p = page([]);
    const ws = sockets();
    const seen: string[] = [];
    followRunNotices('run_1', (s) => seen.push(s), { ...p.host, open: ws.open });
    ws.made[0]!.onopen!({} as Event);
    ws.made[0]!.onmessage!({ data: '{"status":"running"}' } as MessageEvent);
    ws.made[0]!.onclose!({} as CloseEvent);
    await p.settle();
    expect(seen).toEqual(['running']);
    expect(p.calls).toEqual([]);
    await p.tick();
    expect(ws.made).toHaveLength(2);
  });
});
