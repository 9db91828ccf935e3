import { createServer, type Server } from 'node:http';
import { chaosFails } from '../support/chaos';
import { handleMcp, mcpFiles, mcpStats } from './mcp-server';
import { handleModel } from './model-server';
import { handleHook } from './hooks';
import { handleOtlp } from './otlp-collector';

/**
 * Agents behind HTTP for the tests, on 127.0.0.1 (runs in Node, outside workerd), speaking
 * CONTRACT.md's http-agent protocol. Routes:
 * - `POST /agents/tag/:label`  → `{ output: "<label>: <input>" , usage }`
 * - `POST /agents/flaky/:n`    → 503 (Retry-After: 0) for the first n attempts of an idempotency key's step, then like tag
 * - `POST /agents/status/:code`→ answers that status
 * - `POST /agents/chaos/:percent/:how` → fails the calls test/support/chaos.ts picks (`percent` of
 *   them, by input, step and attempt), `how` = `503` (Retry-After: 0) or `reset` (the socket is
 *   destroyed without an answer); the others answer like tag
 * - `POST /agents/slow/:ms`    → answers after ms
 * - `POST /agents/cost/:usd`   → like tag, reporting `usage.costUsd` = usd
 * - `POST /agents/held/:group/:ms` → answers after ms; `GET /held/:group` says how many calls of the
 *   group were open at most at the same time (`max`), how many came (`calls`) and in which order
 *   (`order`: the inputs as they arrived)
 *   (one server serves the test files running at once: a group belongs to one file,
 *   test/lint/agent-groups.test.ts checks it)
 * - `POST /agents/barrier/:group/:n/:ms` → holds each call until n calls of the group are open at
 *   once (then answers them all, and later calls at once) or ms passed; `GET /barrier/:group` says
 *   how many were open at most at the same time (`max`), how many came (`calls`), whether n was reached
 * - `POST /agents/stall/:ms`   → sends 200 and the headers at once, the body only after ms
 * - `POST /v1/chat/completions` → an OpenAI-style chat completion echoing the model and the user message
 * - `POST /agents/classify`     → `{ output: { category } }`: billing, technical or general by keywords
 * - `GET  /data/orders`         → a JSON list of orders; `POST /save/:name` stores the body (GET /saved)
 * - `/mcp`, `/mcp/<name>`        → a real MCP server (see mcp-server.ts); `GET /mcp-files` its files,
 *   `GET /mcp-stats/<name>` the sessions opened, `DELETE`s and tool calls of `/mcp/<name>`
 * - `/model/...`               → scripted OpenAI- and Anthropic-compatible models (see model-server.ts)
 * - `/hooks/...`                → webhook receivers that keep headers and bodies (see hooks.ts)
 * - `/otlp/...`                 → an OTLP/HTTP JSON trace collector (see otlp-collector.ts)
 * - `GET  /received`           → every request body received so far
 */
export function startAgentServer(port: number): Promise<Server> {
  const received: unknown[] = [];
  const attempts = new Map<string, number>();
  const saved = new Map<string, string>();
  const held = new Map<string, { open: number; max: number; calls: number; order: unknown[] }>();
  const barriers = new Map<
    string,
    { open: number; max: number; calls: number; reached: boolean; waiting: (() => void)[] }
  >();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'GET' && req.url === '/received') return send(200, received);
      if (req.method === 'GET' && req.url === '/saved') return send(200, Object.fromEntries(saved));
      if (req.method === 'GET' && req.url?.startsWith('/held/'))
        return send(
          200,
          held.get(decodeURIComponent(req.url.slice('/held/'.length))) ?? { open: 0, max: 0, calls: 0, order: [] },
        );
      if (req.method === 'GET' && req.url?.startsWith('/barrier/')) {
        const {
          open = 0,
          max = 0,
          calls = 0,
          reached = false,
        } = barriers.get(decodeURIComponent(req.url.slice('/barrier/'.length))) ?? {};
        return send(200, { open, max, calls, reached });
      }
      if (req.method === 'GET' && req.url === '/mcp-files') return send(200, Object.fromEntries(mcpFiles));
      if (req.method === 'GET' && req.url === '/data/orders')
        return send(200, [
          { id: 1, total: 30 },
          { id: 2, total: 12.5 },
          { id: 3, total: -4 },
        ]);
      if (req.method === 'GET' && req.url?.startsWith('/mcp-stats/'))
        return send(
          200,
          mcpStats.get(`/mcp/${req.url.slice('/mcp-stats/'.length)}`) ?? { sessions: 0, deletes: 0, calls: {} },
        );
      if (req.url?.startsWith('/model/')) return void handleModel(req, res, body);
      if (handleHook(req, res, body)) return;
      if (handleOtlp(req, res, body)) return;
      if (req.url === '/mcp' || req.url?.startsWith('/mcp/'))
        return void handleMcp(req, res, body ? JSON.parse(body) : undefined, req.url);
      if (req.method === 'POST' && req.url?.startsWith('/save/')) {
        saved.set(req.url.slice('/save/'.length), body);
        return send(201, { saved: true });
      }
      const parsed = body ? JSON.parse(body) : {};
      received.push({
        url: req.url,
        headers: { 'idempotency-key': req.headers['idempotency-key'], authorization: req.headers.authorization },
        body: parsed,
      });
      if (req.url === '/v1/chat/completions') {
        const user = parsed.messages?.findLast?.((m: { role: string }) => m.role === 'user')?.content ?? '';
        return send(200, {
          choices: [{ message: { role: 'assistant', content: `MODEL(${parsed.model}): ${user}` } }],
          usage: { prompt_tokens: 11, completion_tokens: 7 },
        });
      }
      const [, , kind, arg = '', how = ''] = (req.url ?? '').split('/');
      const input = typeof parsed.input === 'string' ? parsed.input : JSON.stringify(parsed.input);
      const ok = (label: string) =>
        send(200, {
          output: `${label}: ${input}`,
          usage: { inputTokens: input.length, outputTokens: 10, costUsd: 0.0001 },
        });
      if (kind === 'tag') return ok(decodeURIComponent(arg));
      if (kind === 'classify') {
        const text = input.toLowerCase();
        const category = /invoice|refund|charge/.test(text)
          ? 'billing'
          : /error|crash|bug/.test(text)
            ? 'technical'
            : 'general';
        return send(200, { output: { category } });
      }
      if (kind === 'flaky') {
        const key = `${parsed.runId}:${parsed.stepId}`;
        const seen = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, seen);
        return seen <= Number(arg) ? send(503, { error: 'busy' }, { 'retry-after': '0' }) : ok('flaky');
      }
      if (kind === 'chaos') {
        if (!chaosFails(Number(arg), parsed.input, parsed.stepId, parsed.attempt)) return ok('chaos');
        return how === 'reset' ? void req.socket.destroy() : send(503, { error: 'busy' }, { 'retry-after': '0' });
      }
      if (kind === 'status') return send(Number(arg), { error: `status ${arg}` });
      if (kind === 'slow') return void setTimeout(() => ok('slow'), Number(arg));
      if (kind === 'cost')
        return send(200, {
          output: `cost: ${input}`,
          usage: { inputTokens: input.length, outputTokens: 10, costUsd: Number(arg) },
        });
      if (kind === 'held') {
        const group = decodeURIComponent(arg);
        const g = held.get(group) ?? { open: 0, max: 0, calls: 0, order: [] };
        held.set(group, g);
        g.open += 1;
        g.calls += 1;
        g.max = Math.max(g.max, g.open);
        g.order.push(parsed.input);
        return void setTimeout(() => {
          g.open -= 1;
          ok(`held ${group}`);
        }, Number(how));
      }
      if (kind === 'barrier') {
        const group = decodeURIComponent(arg);
        const g = barriers.get(group) ?? { open: 0, max: 0, calls: 0, reached: false, waiting: [] };
        barriers.set(group, g);
        g.open += 1;
        g.calls += 1;
        g.max = Math.max(g.max, g.open);
        let answered = false;
        const answer = () => {
          if (answered) return;
          answered = true;
          g.open -= 1;
          ok(`barrier ${group}`);
        };
        const n = Number(how);
        const ms = Number((req.url ?? '').split('/')[5]);
        if (g.reached || g.open >= n) {
          g.reached = true;
          for (const release of g.waiting.splice(0)) release();
          return answer();
        }
        g.waiting.push(answer);
        return void setTimeout(answer, ms);
      }
      if (kind === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"output": ');
        return void setTimeout(() => res.end('"late"}'), Number(arg));
      }
      send(404, { error: 'unknown agent route' });
    });
  });
  // Idle keep-alive connections stay open longer than workerd keeps them: Node's default (5 s)
  // closes sockets workerd may be reusing that instant, a network error no script asked for.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
