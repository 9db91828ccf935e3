import { describe, expect, it } from 'vitest';
import { CallLimiter, callPeaks } from '../../../src/adapter/cloudflare/call-limiter';

/** A call that ends when its `end()` is called. */
function pending() {
  let end!: () => void;
  const done = new Promise<string>((resolve) => (end = () => resolve('ok')));
  return { call: () => done, end };
}

describe('CallLimiter', () => {
  it('keeps at most max calls in flight, starts the others in arrival order, records the peak', async () => {
    const limiter = new CallLimiter('test:order', 2);
    const calls = [pending(), pending(), pending(), pending()];
    const started: number[] = [];
    const results = calls.map((c, i) =>
      limiter.run(() => {
        started.push(i);
        return c.call();
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.active).toBe(2);
    calls[1]!.end();
    await results[1];
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    for (const c of calls) c.end();
    expect(await Promise.all(results)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(limiter.active).toBe(0);
    expect(callPeaks().get('test:order')).toBe(2);
  });

  it('frees the slot of a call that throws, and never makes a waiting call whose signal aborted', async () => {
    const limiter = new CallLimiter('test:abort', 1);
    const first = pending();
    const running = limiter.run(first.call);
    const abort = new AbortController();
    let made = false;
    const waiting = limiter.run(async () => {
      made = true;
    }, abort.signal);
    abort.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    first.end();
    await running;
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
    expect(made).toBe(false);
    expect(limiter.active).toBe(0);
  });

  it('wraps a host: its fetch goes through the limiter', async () => {
    const limiter = new CallLimiter('test:host', 1);
    const gate = pending();
    let fetches = 0;
    const host = limiter.wrap({
      fetch: (async () => {
        fetches += 1;
        await gate.call();
        return new Response('x');
      }) as typeof fetch,
      secret: async () => undefined,
    });
    const a = host.fetch('http://a');
    const b = host.fetch('http://b');
    await new Promise((r) => setTimeout(r, 0));
    expect(fetches).toBe(1);
    gate.end();
    await Promise.all([a, b]);
    expect(fetches).toBe(2);
  });
});
