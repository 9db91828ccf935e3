import type { IncomingMessage, ServerResponse } from 'node:http';
import { anthropicProblem, openAiProblem, turnProblem } from './model-checks';

/**
 * Scripted model servers for the tests (Node, on the agent server's port), speaking enough of the
 * OpenAI Chat Completions and the Anthropic Messages APIs for Baton's providers:
 * - `PUT  /model/scripts/<name>` `{ turns: Turn[] }` registers a script (and clears its log);
 * - `POST /model/openai/v1/chat/completions`, `POST /model/anthropic/v1/messages`: the request's
 *   `model` names the script; the turn played is chosen by the conversation (the number of
 *   assistant messages in the request), so a replayed request gets the same answer; past the end
 *   the last turn repeats;
 * - `GET  /model/log/<name>` every request the script received (see LogEntry).
 * Requests are checked like the real APIs check them (400; 401 without Anthropic's `x-api-key`).
 */

/** A tool call a turn asks for; `arguments` as a string is sent raw (e.g. invalid JSON), `id` overrides `call_<turn>_<i>`. */
export interface ScriptedCall {
  name: string;
  arguments?: unknown;
  id?: unknown;
}

/** One scripted answer. `usage` defaults to 100 in / 20 out; `fail` answers `status` to the first `times` requests of this turn. */
export type Turn = (
  | { tool_calls: ScriptedCall[]; content?: string }
  | { content: unknown }
  | { status: number; retryAfter?: number }
  | { raw: string }
) & {
  delayMs?: number;
  usage?: { input: number; output: number };
  fail?: { status: number; retryAfter?: number; times: number };
};

/** What the server logs of each request. */
export interface LogEntry {
  route: 'openai' | 'anthropic';
  idempotencyKey?: string;
  model: string;
  system?: unknown;
  messages: unknown[];
  tools?: unknown;
  response_format?: unknown;
  max_tokens?: unknown;
  temperature?: unknown;
  headers: { 'x-api-key'?: string; 'anthropic-version'?: string; authorization?: string };
}

interface Script {
  turns: Turn[];
  log: LogEntry[];
  failed: Map<number, number>;
}

const scripts = new Map<string, Script>();
const MAX_BODY_CHARS = 4 * 1024 * 1024;
const MAX_TURNS = 1000;
const MAX_LOG = 2000;

/** Answers a `/model/...` request; `body` is the request body read so far. */
export function handleModel(req: IncomingMessage, res: ServerResponse, body: string) {
  const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
  };
  const url = (req.url ?? '').split('?')[0] ?? '';
  if (body.length > MAX_BODY_CHARS) return send(413, { error: { message: 'request body too large' } });
  if (req.method === 'GET' && url.startsWith('/model/log/'))
    return send(200, scripts.get(nameIn(url, '/model/log/'))?.log ?? []);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body || 'null');
  } catch {
    return send(400, { error: { type: 'invalid_request_error', message: 'the body is not JSON' } });
  }
  if (req.method === 'PUT' && url.startsWith('/model/scripts/')) {
    const turns = (parsed as { turns?: unknown })?.turns;
    if (!Array.isArray(turns) || turns.length === 0 || turns.length > MAX_TURNS)
      return send(400, { error: { message: `expected { turns: [1..${MAX_TURNS} turns] }` } });
    const problem = turns.map(turnProblem).find(Boolean);
    if (problem) return send(400, { error: { message: problem } });
    scripts.set(nameIn(url, '/model/scripts/'), { turns, log: [], failed: new Map() });
    return send(200, { turns: turns.length });
  }
  if (req.method !== 'POST') return send(404, { error: { message: 'unknown model route' } });
  const route =
    url === '/model/openai/v1/chat/completions'
      ? 'openai'
      : url === '/model/anthropic/v1/messages'
        ? 'anthropic'
        : undefined;
  if (!route) return send(404, { error: { message: 'unknown model route' } });
  const request = (parsed ?? {}) as Record<string, unknown>;
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const problem = route === 'openai' ? openAiProblem(request) : anthropicProblem(request, header);
  if (problem) return send(problem.status, errorBody(route, problem.status, problem.message));
  const script = scripts.get(String(request.model));
  if (!script) return send(404, errorBody(route, 404, `no script named ${String(request.model)}`));
  if (script.log.length < MAX_LOG) script.log.push(logEntry(route, request, header));
  const position = (request.messages as { role?: unknown }[]).filter((m) => m?.role === 'assistant').length;
  const turn = script.turns[Math.min(position, script.turns.length - 1)] as Turn;
  const answer = () => {
    const failedSoFar = script.failed.get(position) ?? 0;
    if (turn.fail && failedSoFar < turn.fail.times) {
      script.failed.set(position, failedSoFar + 1);
      return sendStatus(route, turn.fail.status, turn.fail.retryAfter);
    }
    if ('status' in turn) return sendStatus(route, turn.status, turn.retryAfter);
    if ('raw' in turn) return send(200, turn.raw);
    send(
      200,
      route === 'openai' ? openAiAnswer(turn, position + 1, request) : anthropicAnswer(turn, position + 1, request),
    );
  };
  const sendStatus = (r: typeof route, status: number, retryAfter?: number) =>
    send(
      status,
      errorBody(r, status, `scripted status ${status}`),
      retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    );
  if (turn.delayMs) setTimeout(answer, Math.min(turn.delayMs, 600_000));
  else answer();
}

/** The script name after `prefix` in a path (as sent when it does not decode). */
function nameIn(url: string, prefix: string): string {
  const raw = url.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function logEntry(
  route: LogEntry['route'],
  request: Record<string, unknown>,
  header: (name: string) => string | undefined,
): LogEntry {
  const headers: LogEntry['headers'] = {};
  for (const name of ['x-api-key', 'anthropic-version', 'authorization'] as const) {
    const value = header(name);
    if (value !== undefined) headers[name] = value;
  }
  return {
    route,
    idempotencyKey: header('idempotency-key'),
    model: String(request.model),
    system: request.system,
    messages: request.messages as unknown[],
    tools: request.tools,
    response_format: request.response_format,
    max_tokens: request.max_tokens,
    temperature: request.temperature,
    headers,
  };
}

const usageOf = (turn: Turn) => turn.usage ?? { input: 100, output: 20 };
const contentOf = (turn: Turn) => {
  const content = (turn as { content?: unknown }).content;
  return content === undefined || typeof content === 'string' ? content : JSON.stringify(content);
};
const callsOf = (turn: Turn, number: number) =>
  ('tool_calls' in turn ? turn.tool_calls : []).map((c, i) => ({
    id: c.id ?? `call_${number}_${i}`,
    name: c.name,
    arguments: c.arguments ?? {},
  }));

function openAiAnswer(turn: Turn, number: number, request: Record<string, unknown>) {
  const calls = callsOf(turn, number);
  const { input, output } = usageOf(turn);
  return {
    id: `chatcmpl-${number}`,
    object: 'chat.completion',
    created: 0,
    model: String(request.model),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: contentOf(turn) ?? null,
          ...(calls.length
            ? {
                tool_calls: calls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: {
                    name: c.name,
                    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
                  },
                })),
              }
            : {}),
        },
        finish_reason: calls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
  };
}

function anthropicAnswer(turn: Turn, number: number, request: Record<string, unknown>) {
  const calls = callsOf(turn, number);
  const text = contentOf(turn);
  const { input, output } = usageOf(turn);
  return {
    id: `msg_${number}`,
    type: 'message',
    role: 'assistant',
    model: String(request.model),
    content: [
      ...(text ? [{ type: 'text', text }] : []),
      ...calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments })),
    ],
    stop_reason: calls.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output },
  };
}

/** An error body as each API writes one (https://docs.anthropic.com/en/api/errors). */
function errorBody(route: LogEntry['route'], status: number, message: string) {
  const type =
    status === 400
      ? 'invalid_request_error'
      : status === 401
        ? 'authentication_error'
        : status === 404
          ? 'not_found_error'
          : status === 429
            ? 'rate_limit_error'
            : status === 529
              ? 'overloaded_error'
              : 'api_error';
  return route === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { type, message } };
}
