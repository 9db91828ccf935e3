import { describe, expect, it } from 'vitest';
import { callAgent } from '../../src/agents';
import { anthropicModel, callModel, openAiModel } from '../../src/agents/model';
import { agent, ask, host, log, request, script } from '../support/models';

/** How both model providers classify failures and bound what a model answers (test/node/model-server.ts scripts). */

const PROVIDERS = [
  { provider: 'openai' as const, model: openAiModel },
  { provider: 'anthropic' as const, model: anthropicModel },
];

describe.each(PROVIDERS)('$provider: failures are classified once', ({ provider, model }) => {
  const call = async (turns: unknown[], extra: Parameters<typeof request>[1] = {}, config = {}) => {
    const name = await script(`${provider}-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`, turns);
    return model(agent(provider, name, config), request([ask('hi')], extra), host);
  };

  it('429 with Retry-After is rate_limited, retryable, and waits as asked', async () => {
    expect(await call([{ status: 429, retryAfter: 7 }])).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', retryable: true, retryAfterMs: 7000 },
    });
  });

  it('529 (overloaded) and 503 are retryable; 400 is not', async () => {
    expect(await call([{ status: 529 }])).toMatchObject({ ok: false, error: { code: 'agent_error', retryable: true } });
    expect(await call([{ status: 503, retryAfter: 0 }])).toMatchObject({
      ok: false,
      error: { retryable: true, retryAfterMs: 0 },
    });
    const refused = await call([{ status: 400 }]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'agent_error', retryable: false } });
    expect(refused.ok || refused.error.message).toMatch(/^HTTP 400/);
  });

  it('a missing secret is secret_not_found naming it, and nothing is sent', async () => {
    const name = await script(`${provider}-no-secret`, [{ content: 'hi' }]);
    const result = await model(agent(provider, name, { apiKeySecret: 'MISSING_KEY' }), request([ask('hi')]), host);
    expect(result).toEqual({
      ok: false,
      error: { code: 'secret_not_found', message: 'secret MISSING_KEY is not set', retryable: false },
    });
    expect(await log(name)).toEqual([]);
  });

  it('a 2xx body that is not JSON, or not a reply, is agent_bad_response (not retryable), with the usage it reported', async () => {
    expect(await call([{ raw: '<html>oops</html>' }])).toMatchObject({
      ok: false,
      error: { code: 'agent_bad_response', retryable: false },
    });
    const usage =
      provider === 'openai'
        ? { choices: [], usage: { prompt_tokens: 5, completion_tokens: 1 } }
        : { content: 'text', usage: { input_tokens: 5, output_tokens: 1 } };
    expect(await call([{ raw: JSON.stringify(usage) }])).toMatchObject({
      ok: false,
      error: { code: 'agent_bad_response', retryable: false },
      usage: { inputTokens: 5, outputTokens: 1, costUsd: (5 * 3 + 15) / 1e6 },
    });
  });

  it('an answer later than the signal is a retryable timeout', async () => {
    expect(await call([{ content: 'late', delayMs: 2000 }], { signal: AbortSignal.timeout(200) })).toMatchObject({
      ok: false,
      error: { code: 'timeout', retryable: true },
    });
  });

  it('a scripted failure of the first request of a turn, then its answer (a retry gets the same turn)', async () => {
    const name = await script(`${provider}-flaky`, [{ content: 'ok', fail: { status: 503, times: 1 } }]);
    const retry = () => model(agent(provider, name), request([ask('hi')]), host);
    expect(await retry()).toMatchObject({ ok: false, error: { retryable: true } });
    expect(await retry()).toMatchObject({ ok: true, reply: { text: 'ok' } });
  });
});

describe.each(PROVIDERS)('$provider: what a model answers is bounded', ({ provider, model }) => {
  const call = async (turns: unknown[]) => {
    const name = await script(`${provider}-bound-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`, turns);
    return model(agent(provider, name), request([ask('hi')]), host);
  };
  const calls = (n: number, args: unknown = {}) =>
    Array.from({ length: n }, () => ({ name: 'search', arguments: args }));

  it('text is cut at 32 000 characters', async () => {
    const result = await call([{ content: 'x'.repeat(40_000) }]);
    expect(result.ok && result.reply.text.length).toBe(32_000);
  });

  it('32 tool calls in a turn are taken, 33 are agent_bad_response', async () => {
    const taken = await call([{ tool_calls: calls(32) }]);
    expect(taken.ok && taken.reply.toolCalls.length).toBe(32);
    expect(await call([{ tool_calls: calls(33) }])).toMatchObject({
      ok: false,
      error: { code: 'agent_bad_response', message: expect.stringContaining('33 tool calls'), retryable: false },
      usage: { inputTokens: 100, outputTokens: 20 },
    });
  });

  it('arguments longer than 16 000 characters of JSON are agent_bad_response', async () => {
    expect(await call([{ tool_calls: calls(1, { text: 'y'.repeat(15_000) }) }])).toMatchObject({ ok: true });
    expect(await call([{ tool_calls: calls(1, { text: 'y'.repeat(16_001) }) }])).toMatchObject({
      ok: false,
      error: { code: 'agent_bad_response', message: expect.stringContaining('16000') },
    });
  });

  it('a tool call id or name that is not a short printable string, or a repeated id, is agent_bad_response', async () => {
    for (const call_ of [
      { name: 'search', id: 'has space' },
      { name: 'search', id: 'x'.repeat(129) },
      { name: 'search', id: 42 },
      { name: 'sea\nrch' },
      { name: '' },
    ]) {
      expect(await call([{ tool_calls: [call_] }])).toMatchObject({ ok: false, error: { code: 'agent_bad_response' } });
    }
    const twice = [
      { name: 'search', id: 'same' },
      { name: 'search', id: 'same' },
    ];
    expect(await call([{ tool_calls: twice }])).toMatchObject({
      ok: false,
      error: { code: 'agent_bad_response', message: expect.stringContaining('used twice') },
    });
  });
});

describe('callModel and the single-call providers', () => {
  it('callModel never throws: an invalid stored config or a non-model agent is agent_error', async () => {
    const broken = agent('anthropic', 'none', { model: undefined, maxTokens: -1 });
    expect(await callModel(broken, request([ask('hi')]), host)).toMatchObject({
      ok: false,
      error: { code: 'agent_error', message: expect.stringContaining('invalid config'), retryable: false },
    });
    const http = { ...agent('openai', 'none'), provider: 'http' as const };
    expect(await callModel(http, request([ask('hi')]), host)).toMatchObject({
      ok: false,
      error: { code: 'agent_error', message: expect.stringContaining('is not a model') },
    });
  });

  it('callModel plays a turn of either provider', async () => {
    const name = await script('call-model', [{ content: 'hello' }]);
    for (const provider of ['openai', 'anthropic'] as const)
      expect(await callModel(agent(provider, name), request([ask('hi')]), host)).toMatchObject({
        ok: true,
        reply: { text: 'hello', usage: { inputTokens: 100 } },
      });
  });

  it('an anthropic agent step is one Messages API call: the input as the user text, the output its answer', async () => {
    const name = await script('single-anthropic', [{ content: 'Acme has 3 rivals.' }]);
    const result = await callAgent(
      agent('anthropic', name),
      {
        runId: 'run-1',
        stepId: 'answer',
        attempt: 1,
        idempotencyKey: 'run-1:answer:1',
        input: { q: 'Who competes with Acme?' },
        signal: AbortSignal.timeout(10_000),
      },
      host,
    );
    expect(result).toMatchObject({
      ok: true,
      output: 'Acme has 3 rivals.',
      usage: { inputTokens: 100, outputTokens: 20 },
    });
    const [sent] = await log(name);
    expect(sent).toMatchObject({
      idempotencyKey: 'run-1:answer:1',
      messages: [{ role: 'user', content: [{ type: 'text', text: '{"q":"Who competes with Acme?"}' }] }],
    });
    expect(sent!.tools).toBeUndefined();
  });
});
