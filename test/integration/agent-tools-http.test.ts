import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { callTool, type ResolvedTool } from '../../src/agents/tools';
import type { AgentHost } from '../../src/agents/types';
import { countingHost, ctx, resolved } from '../support/tools';

/** http tools against the HTTP test agents (test/node/agent-server.ts). */

describe('http tools', () => {
  const http = (fields: Record<string, unknown>) =>
    resolved({ http: { name: 'tool', description: 'A tool', ...fields } }).then((tools) => tools[0] as ResolvedTool);

  it('renders the arguments into the URL and the body, and saves what the model asked', async () => {
    const save = await http({
      method: 'POST',
      url: `${env.TEST_AGENT_URL}/save/{{ args.name }}`,
      body: { text: '{{ args.text }}', n: '{{ args.n }}' },
    });
    expect(await callTool(save, { name: 'note-7', text: 'hi there', n: 7 }, ctx())).toEqual({
      ok: true,
      output: { saved: true },
    });
    const saved = (await (await fetch(`${env.TEST_AGENT_URL}/saved`)).json()) as Record<string, string>;
    expect(JSON.parse(saved['note-7'] ?? 'null')).toEqual({ text: 'hi there', n: 7 });
  });

  it('sends the call idempotency key', async () => {
    const tag = await http({
      method: 'POST',
      url: `${env.TEST_AGENT_URL}/agents/tag/{{ args.label }}`,
      body: { input: '{{ args.text }}' },
    });
    const call = ctx();
    const outcome = await callTool(tag, { label: 'tool-key', text: 'ping' }, call);
    expect(outcome).toMatchObject({ ok: true, output: { output: 'tool-key: ping' } });
    const received = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as {
      url: string;
      headers: Record<string, string>;
    }[];
    expect(received.find((r) => r.url === '/agents/tag/tool-key')?.headers['idempotency-key']).toBe(
      call.idempotencyKey,
    );
  });

  it('schemes [https:] refuse an http: URL before any request', async () => {
    const fetchTool = await http({ url: '{{ args.url }}', schemes: ['https:'] });
    const host = countingHost();
    const outcome = await callTool(fetchTool, { url: `${env.TEST_AGENT_URL}/data/orders` }, ctx(host));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'url_not_allowed', retryable: false } });
    expect(!outcome.ok && outcome.error.message).toMatch(/scheme 'http:' is not allowed .*only https:/);
    expect(host.requests).toEqual([]);
    const metadata = await callTool(fetchTool, { url: 'https://169.254.169.254/latest/' }, ctx(host));
    expect(metadata).toMatchObject({ ok: false, error: { code: 'url_not_allowed' } });
    expect(host.requests).toEqual([]);
  });

  it('follows redirects, checking each hop against the URL policy', async () => {
    // A stand-in for a server that redirects: /hop/<where> answers 302 without a request.
    const host = countingHost();
    const redirecting: AgentHost = {
      ...host,
      fetch: (input, init) => {
        const url = String(input);
        if (url.endsWith('/hop/orders'))
          return Promise.resolve(new Response(null, { status: 302, headers: { location: '/data/orders' } }));
        if (url.endsWith('/hop/metadata'))
          return Promise.resolve(
            new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/' } }),
          );
        return host.fetch(input, init);
      },
    };
    const hop = await http({ url: `${env.TEST_AGENT_URL}/hop/{{ args.to }}` });
    expect(await callTool(hop, { to: 'orders' }, ctx(redirecting))).toMatchObject({
      ok: true,
      output: [{ id: 1 }, { id: 2 }, { id: 3 }],
    });
    expect(await callTool(hop, { to: 'metadata' }, ctx(redirecting))).toMatchObject({
      ok: false,
      error: { code: 'url_not_allowed', message: expect.stringContaining('169.254.169.254') },
    });
    expect(host.requests).toEqual([`${env.TEST_AGENT_URL}/data/orders`]);
  });

  it("a redirect to another origin does not carry the tool's headers or credentials", async () => {
    const sent: { url: string; headers: Headers }[] = [];
    const other = env.TEST_AGENT_URL.replace('127.0.0.1', 'localhost');
    const host: AgentHost = {
      ...countingHost(),
      fetch: (input, init) => {
        const url = String(input);
        sent.push({ url, headers: new Headers(init?.headers) });
        if (url.endsWith('/hop/away'))
          return Promise.resolve(new Response(null, { status: 302, headers: { location: `${other}/data/orders` } }));
        return fetch(input, init);
      },
    };
    const hop = await http({
      url: `${env.TEST_AGENT_URL}/hop/away`,
      headers: { authorization: 'Bearer s3cret', 'x-key': 'k' },
    });
    expect(await callTool(hop, {}, ctx(host))).toMatchObject({ ok: true, output: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(sent.map((r) => r.url)).toEqual([`${env.TEST_AGENT_URL}/hop/away`, `${other}/data/orders`]);
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer s3cret');
    expect(sent[1]!.headers.get('authorization')).toBeNull();
    expect(sent[1]!.headers.get('x-key')).toBeNull();
    expect(sent[1]!.headers.get('idempotency-key')).toBe(sent[0]!.headers.get('idempotency-key'));
  });

  it('reads at most max_bytes and says where it cut', async () => {
    const orders = await http({ url: `${env.TEST_AGENT_URL}/data/orders`, max_bytes: 10 });
    expect(await callTool(orders, {}, ctx())).toEqual({ ok: true, output: '[{"id":1,"\n[… cut at 10 bytes]' });
    const whole = await http({ url: `${env.TEST_AGENT_URL}/data/orders` });
    expect(await callTool(whole, {}, ctx())).toMatchObject({ ok: true, output: [{ id: 1 }, { id: 2 }, { id: 3 }] });
  });

  it('a non-2xx answer is classified (503 retryable, 404 not)', async () => {
    const status = await http({ method: 'POST', url: `${env.TEST_AGENT_URL}/agents/status/{{ args.code }}` });
    expect(await callTool(status, { code: 503 }, ctx())).toMatchObject({
      ok: false,
      error: { code: 'agent_error', retryable: true, message: expect.stringContaining('HTTP 503') },
    });
    expect(await callTool(status, { code: 404 }, ctx())).toMatchObject({ ok: false, error: { retryable: false } });
  });

  it('a template that fails is an expression_error naming the tool', async () => {
    const bad = await http({ url: `${env.TEST_AGENT_URL}/save/{{ args.( }}` });
    const outcome = await callTool(bad, {}, ctx());
    expect(outcome).toMatchObject({ ok: false, error: { code: 'expression_error', retryable: false } });
    expect(!outcome.ok && outcome.error.message).toContain('tool tool');
  });
});
