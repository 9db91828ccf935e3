import { ExpressionError, render, toText } from '../../core/expressions';
import type { ToolOutcome } from '../../core/engine/loop-types';
import type { StepError } from '../../schemas/errors';
import type { ToolSpec } from '../../schemas/tools';
import { TIMEOUT_FAILURE, httpFailure, thrownFailure, urlRefused } from '../http-errors';
import type { ToolCallContext } from './types';

/** The `http` block of an http tool spec. */
export type HttpToolConfig = Extract<ToolSpec, { http: unknown }>['http'];

/** Default bound of a response body read, bytes. */
export const DEFAULT_TOOL_MAX_BYTES = 65_536;
/** Most redirects followed; each hop is checked against the URL policy and the tool's schemes. */
export const MAX_TOOL_REDIRECTS = 5;

const fail = (code: StepError['code'], message: string, retryable = false): ToolOutcome => ({
  ok: false,
  error: { code, message: message.slice(0, 500), retryable },
});

/**
 * Calls an `http` tool: renders its `url`, `headers` and `body` with the model's arguments as
 * `{{ args.x }}`, checks the URL (the outbound URL policy and the tool's `schemes`, default http: and
 * https:; each redirect hop too), sends `Idempotency-Key`, and reads at most `max_bytes` of the
 * answer (default 64 KiB; a longer body is cut and ends with `[… cut at N bytes]`).
 * @returns 2xx: the parsed JSON (when the answer says JSON and is whole) or the text; non-2xx: the
 * classified failure (`httpFailure`: 408, 429, 5xx retryable); a template that fails:
 * `expression_error`; a refused URL: `url_not_allowed`. Never throws.
 */
export async function callHttpTool(config: HttpToolConfig, args: unknown, ctx: ToolCallContext): Promise<ToolOutcome> {
  const where = `tool ${config.name}`;
  let url: unknown;
  let headers: Headers;
  let body: string | undefined;
  try {
    const context = { args };
    url = await render(config.url, context, `${where}: http.url`);
    const rendered = (await render(config.headers ?? {}, context, `${where}: http.headers`)) as Record<string, unknown>;
    headers = new Headers(Object.entries(rendered).map(([name, value]) => [name, toText(value)]));
    if (config.body !== undefined && config.method !== 'GET' && config.method !== 'HEAD') {
      const value = await render(config.body, context, `${where}: http.body`);
      body = typeof value === 'string' ? value : JSON.stringify(value);
      if (typeof value !== 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  } catch (err) {
    if (err instanceof ExpressionError) return fail('expression_error', `${where}: ${err.message}`);
    return fail('tool_error', `${where}: ${(err as Error).message}`);
  }
  headers.set('idempotency-key', ctx.idempotencyKey);
  const schemes: readonly string[] = config.schemes ?? ['http:', 'https:'];
  let target = String(url);
  let method: string = config.method;
  for (let hop = 0; ; hop++) {
    const refused = urlRefused(`${where}: http.url`, target);
    if (refused) return refused;
    const protocol = new URL(target).protocol;
    if (!schemes.includes(protocol))
      return fail(
        'url_not_allowed',
        `${where}: http.url '${target.slice(0, 200)}': the scheme '${protocol}' is not allowed for this tool (only ${schemes.join(', ')})`,
      );
    let response: Response;
    try {
      response = await ctx.host.fetch(target, { method, headers, body, signal: ctx.signal, redirect: 'manual' });
    } catch (err) {
      return { ok: false, error: thrownFailure(err, ctx.signal) };
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_TOOL_REDIRECTS) return fail('tool_error', `${where}: more than ${MAX_TOOL_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        return fail('tool_error', `${where}: the redirect's Location '${location.slice(0, 200)}' is not a URL`);
      }
      // The tool's own headers (credentials among them) go only to the origin it names.
      if (next.origin !== new URL(target).origin)
        for (const name of [...Object.keys(config.headers ?? {}), 'authorization', 'cookie']) headers.delete(name);
      target = next.toString();
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
      }
      continue;
    }
    return answerOf(response, config.max_bytes ?? DEFAULT_TOOL_MAX_BYTES, ctx.signal);
  }
}

/** A final answer as a tool outcome: its body read up to `maxBytes`. */
async function answerOf(response: Response, maxBytes: number, signal: AbortSignal): Promise<ToolOutcome> {
  let read: { text: string; cut: boolean };
  try {
    read = await readBounded(response, maxBytes);
  } catch (err) {
    return { ok: false, error: thrownFailure(err, signal) };
  }
  if (signal.aborted) return { ok: false, error: { ...TIMEOUT_FAILURE } };
  if (!response.ok) return { ok: false, error: httpFailure(response, read.text) };
  if (read.cut) return { ok: true, output: `${read.text}\n[… cut at ${maxBytes} bytes]` };
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      return { ok: true, output: JSON.parse(read.text) };
    } catch {
      // Not JSON after all: the text is the result.
    }
  }
  return { ok: true, output: read.text };
}

/** Reads at most `maxBytes` of a body as UTF-8, then cancels the rest. */
async function readBounded(response: Response, maxBytes: number): Promise<{ text: string; cut: boolean }> {
  if (!response.body) return { text: '', cut: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), cut: false };
    const room = maxBytes - bytes;
    if (value.byteLength > room) {
      text += decoder.decode(value.subarray(0, room));
      await reader.cancel().catch(() => undefined);
      return { text, cut: true };
    }
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
}
