import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, putWorkflow, startRun, waitForRun } from '../support/helpers';

type ErrorBody = { error: { code: string; message: string; details: { issues: { path: string; message: string }[] } } };
const putAgent = (name: string, body: unknown) => api(`/agents/${name}`, { method: 'PUT', body: JSON.stringify(body) });

describe('agent registration refuses URLs outside the outbound URL policy, naming the field and why', () => {
  it.each([
    [
      { provider: 'http', config: { url: 'ftp://agents.example.com/a' } },
      'json.config.url',
      "the scheme 'ftp:' is not allowed (only http: and https:)",
    ],
    [
      { provider: 'http', config: { url: 'file:///etc/passwd' } },
      'json.config.url',
      "the scheme 'file:' is not allowed (only http: and https:)",
    ],
    [
      { provider: 'http', config: { url: 'http://169.254.169.254/latest/meta-data/iam' } },
      'json.config.url',
      'the host 169.254.169.254 is a link-local address',
    ],
    [
      { provider: 'openai', config: { baseUrl: 'http://metadata.google.internal/v1', model: 'm' } },
      'json.config.baseUrl',
      'the host metadata.google.internal is a cloud metadata endpoint',
    ],
    [
      { provider: 'openai', config: { baseUrl: 'http://[fe80::a9fe:a9fe]/v1', model: 'm' } },
      'json.config.baseUrl',
      'the host [fe80::a9fe:a9fe] is a link-local address',
    ],
  ])('%j', async (body, path, message) => {
    const res = await putAgent('bad-url', body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as ErrorBody).error;
    expect(error.code).toBe('bad_request');
    expect(error.details.issues).toEqual([{ path, message }]);
    expect(error.message).toBe(`invalid json: ${path}: ${message}`);
  });

  it('an http(s) agent on loopback is still fine', async () => {
    expect(
      (await putAgent('local-ok', { provider: 'http', config: { url: `${env.TEST_AGENT_URL}/agents/tag/T` } })).status,
    ).toBeLessThan(300);
  });
});

describe('a URL that comes from a template is checked before the call', () => {
  it.each([
    [
      'http',
      'file:///etc/passwd',
      "http.url 'file:///etc/passwd': the scheme 'file:' is not allowed (only http: and https:)",
    ],
    [
      'http',
      'http://169.254.169.254/latest/meta-data/',
      "http.url 'http://169.254.169.254/latest/meta-data/': the host 169.254.169.254 is a link-local address",
    ],
    [
      'http',
      'http://[::ffff:169.254.169.254]/',
      "http.url 'http://[::ffff:169.254.169.254]/': the host [::ffff:a9fe:a9fe] is a link-local address",
    ],
    [
      'mcp',
      'gopher://127.0.0.1:70/',
      "mcp.server 'gopher://127.0.0.1:70/': the scheme 'gopher:' is not allowed (only http: and https:)",
    ],
    [
      'mcp',
      'http://metadata.google.internal./mcp',
      "mcp.server 'http://metadata.google.internal./mcp': the host metadata.google.internal. is a cloud metadata endpoint",
    ],
  ])('%s step to %s fails at once with url_not_allowed, not retried', async (kind, url, message) => {
    const step =
      kind === 'http'
        ? '{ id: call, http: { url: "{{ inputs.url }}" } }'
        : '{ id: call, mcp: { server: "{{ inputs.url }}", tool: t } }';
    await putWorkflow(`tpl-${kind}`, `name: tpl-${kind}\ninputs: { url: { type: string } }\nsteps: [ ${step} ]`);
    const run = await waitForRun(await startRun(`tpl-${kind}`, { url }));
    expect(run.status).toBe('failed');
    expect(run.steps[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'url_not_allowed', message, retryable: false },
    });
  });
});
