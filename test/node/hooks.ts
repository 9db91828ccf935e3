import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a hook received: each request's lower-cased headers and raw body, in order. */
const received = new Map<string, { headers: Record<string, string>; body: string }[]>();
/** Hooks that answer 503 (a receiver that is down) until set up again. */
const down = new Set<string>();

/**
 * Webhook receivers for the tests (alerts, traces), on the agent server:
 * - `POST /hooks/:name`        → 200, keeps the request (503 while the hook is down)
 * - `GET  /hooks/:name`        → `[{ headers, body }]`, what it kept
 * - `PUT  /hooks/:name/down`   → the hook answers 503 from now on; `DELETE` → it is up again
 * A name belongs to one test file (one server serves the files running at once).
 * @returns whether the request was a hook's.
 */
export function handleHook(req: IncomingMessage, res: ServerResponse, body: string): boolean {
  const match = /^\/hooks\/([A-Za-z0-9_-]+)(\/down)?$/.exec(req.url ?? '');
  if (!match) return false;
  const [, name, toggle] = match as unknown as [string, string, string | undefined];
  const answer = (status: number, payload: unknown): true => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
    return true;
  };
  if (toggle) {
    if (req.method === 'PUT') down.add(name);
    else down.delete(name);
    return answer(200, { down: down.has(name) });
  }
  if (req.method === 'GET') return answer(200, received.get(name) ?? []);
  if (down.has(name)) return answer(503, { error: 'down' });
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]),
  );
  received.set(name, [...(received.get(name) ?? []), { headers, body }]);
  return answer(200, { ok: true });
}
