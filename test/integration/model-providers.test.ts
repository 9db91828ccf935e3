import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { anthropicModel, openAiModel } from '../../src/agents/model';
import type { ChatMessage } from '../../src/agents/model';
import { agent, ask, COST, host, log, request, SEARCH, script } from '../support/models';

/** Provider calls against the scripted model servers of test/node/model-server.ts. */

describe('openAiModel against an OpenAI-compatible server', () => {
  it('parses a tool-call turn: ids, names, JSON arguments (unparseable ones kept raw), model, usage and cost', async () => {
    const name = await script('oa-tools', [
      {
        tool_calls: [
          { name: 'search', arguments: { q: 'acme' } },
          { name: 'search', arguments: 'not json{' },
        ],
      },
    ]);
    const result = await openAiModel(
      agent('openai', name),
      request([ask('Who competes with Acme?')], { tools: [SEARCH] }),
      host,
    );
    expect(result).toEqual({
      ok: true,
      reply: {
        text: '',
        toolCalls: [
          { id: 'call_1_0', name: 'search', arguments: { q: 'acme' } },
          { id: 'call_1_1', name: 'search', arguments: 'not json{' },
        ],
        model: name,
        usage: { inputTokens: 100, outputTokens: 20, costUsd: COST },
      },
    });
    const [sent] = await log(name);
    expect(sent).toMatchObject({
      idempotencyKey: 'run-1:answer:1:1:model',
      headers: { authorization: 'Bearer sk-test-key' },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Who competes with Acme?' },
      ],
      tools: [{ type: 'function', function: SEARCH }],
    });
    expect(sent!.response_format).toBeUndefined();
  });

  it('sends the conversation: assistant tool_calls with JSON string arguments, one tool message per result', async () => {
    const name = await script('oa-conversation', [
      { tool_calls: [{ name: 'search', arguments: { q: 'x' } }] },
      { content: 'Acme has 3 rivals.' },
    ]);
    const messages: ChatMessage[] = [
      ask('Who competes with Acme?'),
      {
        role: 'assistant',
        text: '',
        toolCalls: [
          { id: 'call_1_0', name: 'search', arguments: { q: 'acme' } },
          { id: 'call_1_1', name: 'search', arguments: 'raw{' },
        ],
      },
      {
        role: 'tool',
        results: [
          { callId: 'call_1_0', name: 'search', content: '{"hits":3}' },
          { callId: 'call_1_1', name: 'search', content: 'invalid arguments', isError: true },
        ],
      },
    ];
    const result = await openAiModel(agent('openai', name), request(messages, { tools: [SEARCH] }), host);
    expect(result).toMatchObject({ ok: true, reply: { text: 'Acme has 3 rivals.', toolCalls: [] } });
    const [sent] = await log(name);
    expect(sent!.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1_0', type: 'function', function: { name: 'search', arguments: '{"q":"acme"}' } },
          { id: 'call_1_1', type: 'function', function: { name: 'search', arguments: 'raw{' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1_0', content: '{"hits":3}' },
      { role: 'tool', tool_call_id: 'call_1_1', content: 'invalid arguments' },
    ]);
  });

  it('asks for JSON of the output schema with response_format json_schema', async () => {
    const name = await script('oa-schema', [{ content: { category: 'billing' } }]);
    const schema = { type: 'object', properties: { category: { type: 'string' } }, required: ['category'] };
    const result = await openAiModel(
      agent('openai', name),
      request([ask('refund please')], { outputSchema: schema }),
      host,
    );
    expect(result).toMatchObject({ ok: true, reply: { text: '{"category":"billing"}' } });
    expect((await log(name))[0]!.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: false },
    });
  });

  it('a replayed request gets the same answer (the turn follows the conversation, not a counter)', async () => {
    const name = await script('oa-replay', [
      { tool_calls: [{ name: 'search', arguments: { q: 'a' } }] },
      { content: 'done' },
    ]);
    const first = await openAiModel(agent('openai', name), request([ask('q')]), host);
    const again = await openAiModel(agent('openai', name), request([ask('q')]), host);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ ok: true, reply: { toolCalls: [{ id: 'call_1_0' }] } });
  });
});

describe('anthropicModel against an Anthropic-compatible server', () => {
  it('sends x-api-key, anthropic-version, max_tokens, system and tools; parses text and tool_use blocks', async () => {
    const name = await script('an-tools', [
      { content: 'Let me look.', tool_calls: [{ name: 'search', arguments: { q: 'acme' } }] },
    ]);
    const result = await anthropicModel(
      agent('anthropic', name),
      request([ask('Who competes with Acme?')], { tools: [SEARCH] }),
      host,
    );
    expect(result).toEqual({
      ok: true,
      reply: {
        text: 'Let me look.',
        toolCalls: [{ id: 'call_1_0', name: 'search', arguments: { q: 'acme' } }],
        model: name,
        usage: { inputTokens: 100, outputTokens: 20, costUsd: COST },
      },
    });
    const [sent] = await log(name);
    expect(sent).toMatchObject({
      idempotencyKey: 'run-1:answer:1:1:model',
      headers: { 'x-api-key': 'sk-test-key', 'anthropic-version': '2023-06-01' },
      system: 'Be brief.',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Who competes with Acme?' }] }],
      tools: [{ name: 'search', description: SEARCH.description, input_schema: SEARCH.parameters }],
    });
    expect(sent!.headers.authorization).toBeUndefined();
  });

  it('sends tool results as tool_result blocks of one user message, merged with a following user text', async () => {
    const name = await script('an-conversation', [
      { tool_calls: [{ name: 'search', arguments: {} }] },
      { content: 'Acme has 3 rivals.' },
    ]);
    const messages: ChatMessage[] = [
      ask('Who competes with Acme?'),
      {
        role: 'assistant',
        text: 'Looking.',
        toolCalls: [
          { id: 'call_1_0', name: 'search', arguments: { q: 'acme' } },
          { id: 'call_1_1', name: 'search', arguments: { q: 'rivals' } },
        ],
      },
      {
        role: 'tool',
        results: [
          { callId: 'call_1_0', name: 'search', content: '{"hits":3}' },
          { callId: 'call_1_1', name: 'search', content: 'the call was rejected', isError: true },
        ],
      },
      ask('Answer now.'),
    ];
    const result = await anthropicModel(agent('anthropic', name), request(messages, { tools: [SEARCH] }), host);
    expect(result).toMatchObject({ ok: true, reply: { text: 'Acme has 3 rivals.', toolCalls: [] } });
    const [sent] = await log(name);
    expect(sent!.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Who competes with Acme?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'call_1_0', name: 'search', input: { q: 'acme' } },
          { type: 'tool_use', id: 'call_1_1', name: 'search', input: { q: 'rivals' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1_0', content: '{"hits":3}' },
          { type: 'tool_result', tool_use_id: 'call_1_1', content: 'the call was rejected', is_error: true },
          { type: 'text', text: 'Answer now.' },
        ],
      },
    ]);
  });

  it('asks for a bare JSON object of the output schema in the system prompt; a fenced answer is unwrapped', async () => {
    const name = await script('an-schema', [{ content: '```json\n{"category":"billing"}\n```' }]);
    const schema = { type: 'object', properties: { category: { enum: ['billing', 'general'] } } };
    const result = await anthropicModel(
      agent('anthropic', name),
      request([ask('refund')], { outputSchema: schema }),
      host,
    );
    expect(result).toMatchObject({ ok: true, reply: { text: '{"category":"billing"}' } });
    const [sent] = await log(name);
    expect(sent!.system).toMatch(/^Be brief\.\n\nAnswer with only a JSON object/);
    expect(sent!.system).toContain(JSON.stringify(schema));
  });

  it('the server refuses what the real API refuses: no x-api-key (401), no anthropic-version (400)', async () => {
    const name = await script('an-headers', [{ content: 'hi' }]);
    const body = JSON.stringify({ model: name, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const url = `${env.TEST_AGENT_URL}/model/anthropic/v1/messages`;
    const noKey = await fetch(url, { method: 'POST', body, headers: { 'anthropic-version': '2023-06-01' } });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const noVersion = await fetch(url, { method: 'POST', body, headers: { 'x-api-key': 'k' } });
    expect(noVersion.status).toBe(400);
    expect((await fetch(url, { method: 'POST', body: '{oops', headers: { 'x-api-key': 'k' } })).status).toBe(400);
    expect(await log(name)).toEqual([]);
    for (const turns of [[42], [{ tool_calls: 'x' }], [{ status: 'busy' }], [{}]]) {
      const put = await fetch(`${env.TEST_AGENT_URL}/model/scripts/bad%zz`, {
        method: 'PUT',
        body: JSON.stringify({ turns }),
      });
      expect(put.status).toBe(400);
    }
    expect((await fetch(`${env.TEST_AGENT_URL}/model/log/bad%zz`)).status).toBe(200);
  });
});
