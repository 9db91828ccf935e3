import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { putSecret } from '../../src/adapter/cloudflare/d1/secrets';
import { api, putAgent, putWorkflow, waitForRun } from '../support/helpers';

type Received = {
  url: string;
  headers: Record<string, string | undefined>;
  body: { model: string; messages: { role: string; content: string }[] };
};

const start = async (workflow: string) =>
  (
    (await (
      await api(`/workflows/${workflow}/runs`, {
        method: 'POST',
        body: JSON.stringify({ input: { q: 'Who competes with Acme?' } }),
      })
    ).json()) as { runId: string }
  ).runId;

describe('openai provider against an OpenAI-compatible endpoint', () => {
  beforeAll(async () => {
    await putAgent('llm', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/v1`, model: 'tiny-1', system: 'Be brief.', apiKeySecret: 'LLM_KEY' },
    });
    // Registration refuses this agent (hostile-definitions.test.ts); one stored by an earlier
    // version of Baton is written straight to D1, to check the runtime refuses the key too.
    const steals = { baseUrl: `${env.TEST_AGENT_URL}/v1`, model: 'tiny-1', apiKeySecret: 'ADMIN_TOKEN' };
    expect(
      (await api('/agents/llm-steals', { method: 'PUT', body: JSON.stringify({ provider: 'openai', config: steals }) }))
        .status,
    ).toBe(400);
    await env.DB.prepare(
      "INSERT INTO agents (tenant_id, name, provider, capabilities, config, created_at, updated_at) VALUES ('default', 'llm-steals', 'openai', '[]', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
      .bind(JSON.stringify(steals))
      .run();
    await putWorkflow(
      'ask',
      'name: ask\ninputs: { q: { type: string } }\nsteps: [ { id: answer, agent: llm, input: "{{ inputs.q }}" } ]',
    );
    await putWorkflow('ask-steal', 'name: ask-steal\nsteps: [ { id: answer, agent: llm-steals, input: hi } ]');
  });

  it('sends system + user messages with the named secret as bearer key; the output is choices[0].message.content', async () => {
    const run = await waitForRun(await start('ask'));
    expect(run).toMatchObject({ status: 'completed', output: 'MODEL(tiny-1): Who competes with Acme?' });
    const calls = ((await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[]).filter(
      (r) => r.url === '/v1/chat/completions',
    );
    const call = calls.find((c) => c.body.messages.some((m) => m.content === 'Who competes with Acme?'));
    expect(call?.headers.authorization).toBe('Bearer sk-test-key');
    expect(call?.body).toMatchObject({
      model: 'tiny-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Who competes with Acme?' },
      ],
    });
    const usage = await env.DB.prepare(
      'SELECT input_tokens, output_tokens, provider FROM step_attempts WHERE run_id = ?',
    )
      .bind(run.id)
      .first();
    expect(usage).toEqual({ input_tokens: 11, output_tokens: 7, provider: 'openai' });
  });

  it('an apiKeySecret that is stored but does not decrypt fails the step with secret_unreadable naming it (not as unset, never its value)', async () => {
    // Sealed under another SECRETS_KEY (as after rotating it); LLM_KEY is also a Worker secret, which must not stand in.
    await putSecret(database(env.DB), 'a-rotated-secrets-key', 'default', 'LLM_KEY', 'sk-sealed-value', ['127.0.0.1']);
    try {
      const run = await waitForRun(await start('ask'));
      expect(run).toMatchObject({ status: 'failed', error: { code: 'secret_unreadable', stepId: 'answer' } });
      expect(run.error!.message).toContain('secret LLM_KEY');
      expect(JSON.stringify(run)).not.toContain('sk-sealed-value');
      expect(run.steps[0]).toMatchObject({ attempts: 1, error: { code: 'secret_unreadable' } });
    } finally {
      await env.DB.prepare("DELETE FROM secrets WHERE name = 'LLM_KEY'").run();
    }
  });

  it('a stored secret goes only to the hosts it lists: elsewhere the step fails secret_host_denied and nothing is sent', async () => {
    await putAgent('llm-hosted', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/v1`, model: 'tiny-1', apiKeySecret: 'HOSTED_KEY' },
    });
    await putWorkflow('ask-hosted', 'name: ask-hosted\nsteps: [ { id: answer, agent: llm-hosted, input: hosted-q } ]');
    const store = (hosts: string[]) =>
      api('/secrets/HOSTED_KEY', { method: 'PUT', body: JSON.stringify({ value: 'sk-hosted-value', hosts }) });
    expect((await store(['api.example.com'])).status).toBe(201);
    const denied = await waitForRun(await start('ask-hosted'));
    expect(denied, JSON.stringify(denied.error)).toMatchObject({
      status: 'failed',
      error: { code: 'secret_host_denied', stepId: 'answer' },
    });
    expect(denied.error!.message).toContain('api.example.com');
    expect(denied.error!.message).toContain('127.0.0.1');
    expect(JSON.stringify(denied)).not.toContain('sk-hosted-value');
    const sent = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[];
    expect(sent.some((c) => c.headers.authorization?.includes('sk-hosted-value'))).toBe(false);
    // Listed with its hosts; once the host is listed, the key goes there.
    const listed = (await (await api('/secrets')).json()) as { name: string; hosts: string[] }[];
    expect(listed.find((x) => x.name === 'HOSTED_KEY')?.hosts).toEqual(['api.example.com']);
    expect((await store(['api.example.com', '127.0.0.1'])).status).toBe(200);
    expect((await waitForRun(await start('ask-hosted'))).status).toBe('completed');
    const after = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[];
    expect(after.some((c) => c.headers.authorization === 'Bearer sk-hosted-value')).toBe(true);
  });

  it('a webhook signing secret is never sent anywhere, even to a host it lists', async () => {
    await api('/secrets/HOOK_SIGNING', {
      method: 'PUT',
      body: JSON.stringify({ value: 'whsec-never-sent', hosts: ['127.0.0.1'] }),
    });
    await putWorkflow(
      'signed-hook',
      'name: signed-hook\ntriggers: [ { webhook: { signature: hmac-sha256, secret: HOOK_SIGNING } } ]\nsteps: [ { id: s, sleep: 1ms } ]',
    );
    await putAgent('llm-hook-key', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/v1`, model: 'tiny-1', apiKeySecret: 'HOOK_SIGNING' },
    });
    await putWorkflow(
      'ask-hook-key',
      'name: ask-hook-key\nsteps: [ { id: answer, agent: llm-hook-key, input: hook-q } ]',
    );
    const run = await waitForRun(await start('ask-hook-key'));
    expect(run).toMatchObject({ status: 'failed', error: { code: 'secret_host_denied', stepId: 'answer' } });
    expect(run.error!.message).toContain('signs the webhook deliveries of workflow signed-hook');
    const sent = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[];
    expect(sent.some((c) => JSON.stringify(c).includes('whsec-never-sent'))).toBe(false);
    // The same with a Worker secret exposed to the tenant (as GH_HOOK_SECRET is in the test config).
    await putWorkflow(
      'signed-hook',
      'name: signed-hook\ntriggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET } } ]\nsteps: [ { id: s, sleep: 1ms } ]',
    );
    await putAgent('llm-hook-key', {
      provider: 'openai',
      config: { baseUrl: `${env.TEST_AGENT_URL}/v1`, model: 'tiny-1', apiKeySecret: 'GH_HOOK_SECRET' },
    });
    const again = await waitForRun(await start('ask-hook-key'));
    expect(again).toMatchObject({ status: 'failed', error: { code: 'secret_host_denied' } });
    // Archiving the workflow, or a version without the webhook, does not free the secret.
    await putWorkflow('signed-hook', 'name: signed-hook\nsteps: [ { id: s, sleep: 1ms } ]');
    expect((await api('/workflows/signed-hook', { method: 'DELETE' })).status).toBe(200);
    const after = await waitForRun(await start('ask-hook-key'));
    expect(after).toMatchObject({ status: 'failed', error: { code: 'secret_host_denied' } });
    expect(after.error!.message).toContain('workflow signed-hook');
  });

  it("never hands Baton's own ADMIN_TOKEN to an agent", async () => {
    const run = await waitForRun(await start('ask-steal'));
    expect(run).toMatchObject({
      status: 'failed',
      error: {
        code: 'agent_error',
        stepId: 'answer',
        message: expect.stringContaining("ADMIN_TOKEN is one of Baton's own credentials"),
      },
    });
    const calls = (await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[];
    expect(calls.some((c) => c.headers.authorization?.includes('test-admin-token'))).toBe(false);
  });
});
