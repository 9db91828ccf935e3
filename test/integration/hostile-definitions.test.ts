import { describe, expect, it } from 'vitest';
import { api } from '../support/helpers';

type ErrorBody = { error: { code: string; message: string; details: { issues: { path: string; message: string }[] } } };
const post = (body: string) =>
  api('/workflows', { method: 'POST', body, headers: { 'content-type': 'application/yaml' } });
const put = (name: string, body: string) =>
  api(`/workflows/${name}`, { method: 'PUT', body, headers: { 'content-type': 'application/yaml' } });

const laughs = [
  'name: laughs',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((me, i) => `${me}: &${me} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'steps: [ { id: s, sleep: 1s } ]',
].join('\n');

describe('hostile YAML through the API: 400 invalid_definition with the line, never a 500', () => {
  it.each([
    [
      'POST',
      'a billion-laughs alias bomb',
      () => post(laughs),
      'line 5, column 8',
      'alias *c: too many aliased nodes (more than 100)',
    ],
    [
      'POST',
      'an alias inside its own anchor',
      () => post('name: selfref\nsteps: &s\n  - *s\n'),
      'line 3, column 5',
      'alias *s is inside the node it names (a recursive structure)',
    ],
    [
      'PUT',
      'an alias inside its own anchor',
      () => put('selfref', 'name: selfref\nvars: &v { me: *v }\nsteps: [ { id: s, sleep: 1s } ]'),
      'line 2, column 16',
      'alias *v is inside the node it names (a recursive structure)',
    ],
    [
      'PUT',
      'a nesting bomb',
      () => put('deep', `name: deep\nvars: ${'['.repeat(100_000)}\n`),
      'line 2',
      'nested deeper than 64 levels',
    ],
  ])('%s %s', async (_method, _label, send, path, message) => {
    const res = await send();
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.issues[0]).toEqual({ path, message });
  });

  it('a definition over 256 KiB is refused with 413 before it is parsed', async () => {
    const res = await post(`name: big\ndescription: "${'x'.repeat(256 * 1024)}"\nsteps: [ { id: s, sleep: 1s } ]`);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe('payload_too_large');
  });

  it('JSON nested 10,000 levels deep is refused the same way', async () => {
    const res = await api('/workflows', {
      method: 'POST',
      body: `{"name": "deep-json", "vars": ${'['.repeat(10_000)}${']'.repeat(10_000)}, "steps": [{"id": "s", "sleep": "1s"}]}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.details.issues[0]).toEqual({
      path: 'line 1',
      message: 'nested deeper than 64 levels',
    });
  });
});

describe('outbound URLs in definitions: only http: and https:, never link-local or metadata hosts', () => {
  it.each([
    ['http', 'file:///etc/passwd', "the scheme 'file:' is not allowed (only http: and https:)"],
    ['http', 'gopher://127.0.0.1:6379/_INFO', "the scheme 'gopher:' is not allowed (only http: and https:)"],
    ['http', 'ftp://files.example.com/x', "the scheme 'ftp:' is not allowed (only http: and https:)"],
    ['http', 'data:text/plain,hello', "the scheme 'data:' is not allowed (only http: and https:)"],
    ['http', 'http://169.254.169.254/latest/meta-data/', 'the host 169.254.169.254 is a link-local address'],
    ['http', 'http://0xA9FEA9FE/latest/', 'the host 169.254.169.254 is a link-local address'],
    [
      'http',
      'http://metadata.google.internal/computeMetadata/v1/',
      'the host metadata.google.internal is a cloud metadata endpoint',
    ],
    ['http', 'http://[fe80::1]/', 'the host [fe80::1] is a link-local address'],
    ['http', 'http://[fd00:ec2::254]/latest/', 'the host [fd00:ec2::254] is a cloud metadata endpoint'],
    ['mcp', 'file:///srv/mcp', "the scheme 'file:' is not allowed (only http: and https:)"],
    ['mcp', 'http://169.254.169.254/mcp', 'the host 169.254.169.254 is a link-local address'],
  ])('%s %s is refused at registration with its path', async (kind, url, message) => {
    const step =
      kind === 'http' ? `{ id: call, http: { url: "${url}" } }` : `{ id: call, mcp: { server: "${url}", tool: t } }`;
    const res = await post(`name: url-${kind}\nsteps:\n  - { id: first, sleep: 1s }\n  - ${step}\n`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.issues).toEqual([
      { path: kind === 'http' ? 'steps[1].http.url' : 'steps[1].mcp.server', message },
    ]);
  });

  it('a URL from a template, and http(s) to loopback, are accepted at registration', async () => {
    expect(
      (
        await post(
          'name: url-template\ninputs: { url: { type: string } }\nsteps: [ { id: call, http: { url: "{{ inputs.url }}" } } ]',
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await post(
          'name: url-local\nsteps: [ { id: call, http: { url: "http://127.0.0.1:9/x" } }, { id: m, mcp: { server: "https://mcp.example.com/mcp", tool: t } } ]',
        )
      ).status,
    ).toBe(201);
  });
});

describe('registration refuses what can never work, each with its path (issue 14, item 7)', () => {
  it.each([
    [
      'a webhook secret naming ADMIN_TOKEN',
      'triggers: [ { webhook: { signature: github, secret: ADMIN_TOKEN } } ]\nsteps: [ { id: s, sleep: 1s } ]',
      'triggers[0].webhook.secret',
    ],
    [
      'a webhook filter with a syntax error',
      'triggers: [ { webhook: { signature: github, secret: GH_HOOK_SECRET, filter: "body.action = " } } ]\nsteps: [ { id: s, sleep: 1s } ]',
      'triggers[0].webhook.filter',
    ],
    [
      'wait_for: 3 with two children',
      'steps: [ { id: p, parallel: [ { id: a, sleep: 1s }, { id: b, sleep: 1s } ], wait_for: 3 } ]',
      'steps[0].wait_for',
    ],
    [
      'timeout: 0s',
      'steps: [ { id: s, sleep: 1s }, { id: t, http: { url: "https://example.com/x" }, timeout: 0s } ]',
      'steps[1].timeout',
    ],
    [
      'an input default of the wrong type',
      'inputs: { n: { type: number, default: "7" } }\nsteps: [ { id: s, sleep: 1s } ]',
      'inputs.n.default',
    ],
  ])('%s → 400 invalid_definition', async (label, yaml, path) => {
    const res = await post(`name: never-works-${label.length}\n${yaml}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.issues.map((i) => i.path)).toEqual([path]);
  });

  it.each(['ADMIN_TOKEN', 'SECRETS_KEY', 'LINK_SIGNING_KEY'])(
    'an agent whose apiKeySecret is %s → 400 naming config.apiKeySecret, and nothing is stored',
    async (name) => {
      const res = await api('/agents/steals-key', {
        method: 'PUT',
        body: JSON.stringify({
          provider: 'openai',
          config: { baseUrl: 'https://api.example.com/v1', model: 'm', apiKeySecret: name },
        }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('bad_request');
      expect(body.error.details.issues).toEqual([
        {
          path: 'json.config.apiKeySecret',
          message: expect.stringMatching(new RegExp(`^${name} is one of Baton's own credentials`)),
        },
      ]);
      expect((await api('/agents/steals-key')).status).toBe(404);
    },
  );
});
