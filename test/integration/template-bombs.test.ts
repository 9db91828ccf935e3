import { beforeAll, describe, expect, it } from 'vitest';
import { api, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

beforeAll(async () => {
  await putAgent('echo-bomb', httpAgent('tag/E'));
});

const bombs = {
  'endless-recursion': '( $f := function($x){ $f($x) }; $f(1) )',
  'growing-recursion': '( $f := function($x){ 1 + $f($x) }; $f(1) )',
  'huge-pad': '$pad("", 100000000, "x")',
};

describe('a template bomb fails its step, not the Worker', () => {
  it.each(Object.entries(bombs))(
    '%s: the later step fails with expression_error naming the budget; other requests are answered',
    async (name, expression) => {
      await putWorkflow(
        `bomb-${name}`,
        [
          `name: bomb-${name}`,
          'steps:',
          '  - { id: first, agent: echo-bomb, input: hello }',
          `  - { id: boom, agent: echo-bomb, input: ${JSON.stringify(`{{ ${expression} }}`)} }`,
        ].join('\n'),
      );
      const runId = await startRun(`bomb-${name}`);
      const health = await api('/health');
      expect(health.status).toBe(200);
      const run = await waitForRun(runId);
      expect(run.status).toBe('failed');
      const boom = run.steps.find((s) => s.id === 'boom')!;
      expect(boom.status).toBe('failed');
      expect(boom.error).toMatchObject({ code: 'expression_error', retryable: false });
      expect(boom.error!.message).toMatch(/^steps\[1\]\.input: .*expression budget exceeded/);
      expect((await api('/health')).status).toBe(200);
    },
  );

  it('refuses at registration a regex RE2 cannot run, with the YAML path', async () => {
    const res = await api('/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'name: backref\nsteps:\n  - { id: a, agent: echo-bomb, input: "{{ $match(inputs.x, /(a)\\\\1/) }}" }',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; details: { issues: { path: string; message: string }[] } };
    };
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.issues[0]).toMatchObject({ path: 'steps[0].input' });
    expect(body.error.details.issues[0]!.message).toMatch(/not supported/);
  });
});
