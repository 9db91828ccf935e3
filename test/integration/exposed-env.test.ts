import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, waitForRun, apiAs } from '../support/helpers';

/**
 * Worker vars and secrets are nameable only as EXPOSED_ENV lists them (vitest.config.ts exposes
 * LLM_KEY and the webhook secrets to the default tenant only).
 */
const as = apiAs;

const model = (apiKeySecret: string) =>
  JSON.stringify({
    provider: 'openai',
    config: { baseUrl: `${env.TEST_AGENT_URL}/v1`, model: 'tiny-1', apiKeySecret },
  });

type Refusal = { error: { code: string; message: string; details: { issues: { path: string }[] } } };

describe('EXPOSED_ENV', () => {
  it('an agent naming PUBLIC_URL (a Worker var nobody exposed) is refused at registration, naming the field', async () => {
    const res = await api('/agents/steals-url', { method: 'PUT', body: model('PUBLIC_URL') });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Refusal;
    expect(body.error.message).toContain('EXPOSED_ENV');
    expect(body.error.details.issues[0]!.path).toBe('config.apiKeySecret');
    // The default tenant may name what is exposed to it.
    expect((await api('/agents/uses-llm-key', { method: 'PUT', body: model('LLM_KEY') })).status).toBe(201);
  });

  it("another tenant may not name the default tenant's LLM_KEY, and a run of one stored anyway never gets its value", async () => {
    const created = await api('/tenants', { method: 'POST', body: JSON.stringify({ name: 'Exposed other' }) });
    const { tenant, key } = (await created.json()) as { tenant: { id: string }; key: { token: string } };
    const other = as(key.token);
    const res = await other('/agents/borrow', { method: 'PUT', body: model('LLM_KEY') });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Refusal).error.details.issues[0]!.path).toBe('config.apiKeySecret');
    // Stored by an earlier version of Baton: the runtime refuses the value too.
    await env.DB.prepare(
      "INSERT INTO agents (tenant_id, name, provider, capabilities, config, created_at, updated_at) VALUES (?, 'borrow', 'openai', '[]', ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
      .bind(tenant.id, JSON.stringify(JSON.parse(model('LLM_KEY')).config))
      .run();
    const put = await other('/workflows/borrowing', {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml' },
      body: 'name: borrowing\nsteps: [ { id: ask, agent: borrow, input: hi } ]\n',
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const started = (await (await other('/workflows/borrowing/runs', { method: 'POST', body: '{}' })).json()) as {
      runId: string;
    };
    const run = await waitForRun(started.runId, 15_000, key.token);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'secret_not_found', stepId: 'ask' } });
    expect(JSON.stringify(run)).not.toContain('sk-test-key');
  });
});
