import { env, runInDurableObject } from 'cloudflare:test';
import { circuitOf } from '../../src/adapter/cloudflare/env';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { api, httpAgent, putAgent, putWorkflow, waitForRun, type RunBody } from '../support/helpers';

const base = () => env.TEST_AGENT_URL;
const start = async (workflow: string, input: Record<string, unknown> = {}) => {
  const res = await api(`/workflows/${workflow}/runs`, {
    method: 'POST',
    body: JSON.stringify({ input: { base: base(), ...input } }),
  });
  if (res.status !== 202) throw new Error(`start ${workflow}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { runId: string }).runId;
};
const steps = (run: RunBody) => Object.fromEntries(run.steps.map((s) => [s.id, s.status]));
const stepOf = (run: RunBody, id: string) => run.steps.find((s) => s.id === id)!;
const get = async (path: string) => (await fetch(`${base()}${path}`)).json() as Promise<Record<string, string>>;

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await putAgent('flaky', httpAgent('flaky/2'));
  await putAgent('flaky-too', httpAgent('flaky/2'));
  await putAgent('classify', httpAgent('classify'));
  await putAgent('broken', httpAgent('status/400'));
  // Registered in dependency order (subworkflow and every-kind read foreach-order): each one's children first.
  const registered = new Set<string>();
  for (const name of dependencyOrder(env.WORKFLOW_FIXTURES)) {
    expect(
      childWorkflows(parse(env.WORKFLOW_FIXTURES[`${name}.yaml`]!)).filter((child) => !registered.has(child)),
      `children of ${name} registered before it`,
    ).toEqual([]);
    await putWorkflow(name, env.WORKFLOW_FIXTURES[`${name}.yaml`]!);
    registered.add(name);
  }
});

/** The `workflow:` names a definition's steps (at any depth) start as sub-workflows. */
function childWorkflows(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(childWorkflows);
  if (!node || typeof node !== 'object') return [];
  const own = 'workflow' in node && typeof node.workflow === 'string' ? [node.workflow] : [];
  return [
    ...own,
    ...Object.entries(node)
      .filter(([key]) => key !== 'workflow')
      .flatMap(([, value]) => childWorkflows(value)),
  ];
}

/** Fixture names (without `.yaml`), each after the fixtures it starts. @throws on a cycle or a missing child. */
function dependencyOrder(fixtures: Record<string, string>): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`fixture cycle: ${[...path, name].join(' → ')}`);
    const text = fixtures[`${name}.yaml`];
    if (text === undefined) throw new Error(`${path.at(-1)} starts workflow ${name}, which is not a fixture`);
    for (const child of childWorkflows(parse(text))) visit(child, [...path, name]);
    order.push(name);
  };
  for (const file of Object.keys(fixtures).sort()) visit(file.replace(/\.yaml$/, ''), []);
  return order;
}

describe('fixture workflows run end to end', () => {
  it('parallel-retry: children start together, one retries, both outputs reach the next step', async () => {
    const run = await waitForRun(await start('parallel-retry'));
    expect(run.status).toBe('completed');
    expect(stepOf(run, 'web')).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(stepOf(run, 'docs')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(stepOf(run, 'research_all').output).toEqual({ web: 'flaky: web', docs: 'T: docs' });
    expect(run.output).toBe('T: flaky: web + T: docs');
  });

  it.each([
    ['I want a refund for invoice 7', 'billing'],
    ['The app shows an error on start', 'technical'],
    ['Hello there', 'general'],
  ])('customer-support: %j is routed to %s and saved', async (message, category) => {
    const run = await waitForRun(await start('customer-support', { message }));
    expect(run.status).toBe('completed');
    expect(run.output).toBe(`T: ${category} reply to: ${message}`);
    for (const other of ['billing', 'technical', 'general'].filter((c) => c !== category))
      expect(steps(run)[other]).toBe('skipped');
    expect(JSON.parse((await get('/saved'))[`ticket-${category}`]!)).toEqual({
      reply: `T: ${category} reply to: ${message}`,
    });
  });

  it('research-report: parallel research → synthesise → report → save through a real MCP server', async () => {
    const run = await waitForRun(await start('research-report', { topic: 'crm' }));
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({
      report: 'T: # Report\nT: T: market of crm | T: competitors of crm',
      saved: expect.stringMatching(/^wrote \d+ bytes to crm\.md$/),
    });
    expect((await get('/mcp-files'))['crm.md']).toBe('T: # Report\nT: T: market of crm | T: competitors of crm');
  });

  it('data-etl: extract over HTTP, transform per item in order, validate, and load conditionally', async () => {
    const run = await waitForRun(await start('data-etl'));
    expect(run.status).toBe('completed');
    expect(stepOf(run, 'transform').output).toEqual([
      'T: order 1 total 30',
      'T: order 2 total 12.5',
      'T: order 3 total -4',
    ]);
    expect(stepOf(run, 'validate').output).toBe('T: 1');
    expect(steps(run)).toMatchObject({ load: 'skipped', quarantine: 'succeeded', report_error: 'skipped' });
    expect(JSON.parse((await get('/saved')).quarantine!)).toHaveLength(3);
  });

  it('foreach-order: outputs in input order, each iteration a chain', async () => {
    const run = await waitForRun(await start('foreach-order', { items: ['a', 'b', 'c', 'd'] }));
    expect(run.output).toEqual(['T: T: 0=a', 'T: T: 1=b', 'T: T: 2=c', 'T: T: 3=d']);
    expect(run.steps.filter((s) => s.id.startsWith('dive[')).map((s) => s.id)).toEqual([
      'dive[0]',
      'dive[1]',
      'dive[2]',
      'dive[3]',
    ]);
  });

  it('saga: the failure compensates both bookings, newest first', async () => {
    const run = await waitForRun(await start('saga'));
    expect(run).toMatchObject({ status: 'failed', error: { stepId: 'charge', code: 'agent_error' } });
    expect(steps(run)).toMatchObject({
      book_flight: 'compensated',
      book_hotel: 'compensated',
      charge: 'failed',
      cancel_hotel: 'succeeded',
      book_flight_compensate: 'succeeded',
    });
    const attempts = await env.DB.prepare(
      "SELECT step_id FROM step_attempts WHERE run_id = ? AND step_id IN ('cancel_hotel', 'book_flight_compensate') ORDER BY dispatched_at, step_id",
    )
      .bind(run.id)
      .all<{ step_id: string }>();
    expect(attempts.results.map((r) => r.step_id)).toEqual(['cancel_hotel', 'book_flight_compensate']);
    expect(stepOf(run, 'cancel_hotel').output).toBe('T: cancel T: hotel');
  });

  it('skip-and-continue: if: skips, needs on skipped skips, on_error: continue goes on', async () => {
    const run = await waitForRun(await start('skip-and-continue'));
    expect(run.status).toBe('completed');
    expect(steps(run)).toMatchObject({ upsell: 'skipped', thank: 'skipped', optional: 'failed', finish: 'succeeded' });
    expect(run.output).toBe('T: optional was failed');
  });

  it('sleep-and-event: sleeps, waits (run `waiting`), takes the matching event from POST /api/events', async () => {
    const runId = await start('sleep-and-event', { order: 'o-42' });
    const waiting = await (async () => {
      for (let i = 0; i < 200; i++) {
        const run = (await (await api(`/runs/${runId}`)).json()) as RunBody;
        if (run.status === 'waiting' && stepOf(run, 'paid').status === 'waiting') return run;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the run never waited for the event');
    })();
    expect(stepOf(waiting, 'cool_down').status).toBe('succeeded');
    const miss = await api('/events', {
      method: 'POST',
      body: JSON.stringify({ type: 'payment.succeeded', data: { orderId: 'o-1' } }),
    });
    expect(await miss.json()).toEqual({ delivered: 0 });
    const hit = await api('/events', {
      method: 'POST',
      body: JSON.stringify({ type: 'payment.succeeded', data: { orderId: 'o-42', amount: 9 } }),
    });
    expect(await hit.json()).toEqual({ delivered: 1 });
    const run = await waitForRun(runId);
    expect(run).toMatchObject({ status: 'completed', output: 'T: ship o-42' });
    const again = await api('/events', {
      method: 'POST',
      body: JSON.stringify({ type: 'payment.succeeded', data: { orderId: 'o-42' } }),
    });
    expect(await again.json()).toEqual({ delivered: 0 });
  });

  it('subworkflow: the child runs as its own run and its output comes back', async () => {
    const run = await waitForRun(await start('subworkflow'));
    expect(run.status).toBe('completed');
    expect(stepOf(run, 'child').output).toEqual(['T: T: 0=x', 'T: T: 1=y']);
    const children = (await (await api('/runs?workflow=foreach-order&limit=50')).json()) as { runs: { id: string }[] };
    const child = (
      await Promise.all(
        children.runs.map(
          async (r) => (await (await api(`/runs/${r.id}`)).json()) as RunBody & { trigger: { parentRunId?: string } },
        ),
      )
    ).find((r) => r.trigger.parentRunId === run.id);
    expect(child?.status).toBe('completed');
  });
});

describe('planner endpoint', () => {
  it('answers the DAG, groups and critical path, with durations from past attempts', async () => {
    await waitForRun(await start('research-report', { topic: 'planning' }));
    const plan = (await (await api('/workflows/research-report/plan')).json()) as {
      criticalPath: { steps: string[] };
      groups: { list: string; steps: string[] }[];
      nodes: { id: string; estimated: string }[];
    };
    expect(plan.criticalPath.steps).toEqual(['research', 'synthesise', 'report', 'save']);
    expect(plan.groups).toContainEqual({ list: 'research', steps: ['market', 'competitors'] });
    expect(plan.nodes.find((n) => n.id === 'market')!.estimated).toBe('history');
  });
});

describe('every step kind in one definition', () => {
  const runAndRelease = async (input: Record<string, unknown>) => {
    // Each test starts with a closed circuit for the flaky agent (its retries count against it).
    await runInDurableObject(circuitOf(env, 'default', 'flaky-too'), (_obj, state) =>
      state.storage.kv.delete('circuit'),
    );
    const runId = await start('every-kind', input);
    for (let i = 0; i < 400; i++) {
      const delivered = (
        (await (
          await api('/events', { method: 'POST', body: JSON.stringify({ type: 'every.go', data: { go: true } }) })
        ).json()) as { delivered: number }
      ).delivered;
      if (delivered) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    return waitForRun(runId);
  };

  it('runs to the output CONTRACT.md describes', async () => {
    const run = await runAndRelease({});
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({
      gathered: { flaky_source: 'flaky: a', steady_source: 'T: b' },
      routed: 'T: billing',
      squares: ['T: 9', 'T: 1', 'T: 4'],
      optional: 'failed',
      stored: 'wrote 8 bytes to every.txt', // the content is '3 orders'
      event: { go: true },
      child: ['T: T: 0=z'],
    });
    expect(stepOf(run, 'flaky_source').attempts).toBe(3);
    expect(steps(run)).toMatchObject({ vip_only: 'skipped', other: 'skipped', finish: 'skipped', optional: 'failed' });
  });

  it('with a failing last step, compensates in reverse order of completion', async () => {
    const run = await runAndRelease({ fail: true });
    expect(run).toMatchObject({ status: 'failed', error: { stepId: 'finish' } });
    expect(steps(run)).toMatchObject({
      gather: 'compensated',
      fetch: 'compensated',
      unfetch: 'succeeded',
      gather_compensate: 'succeeded',
    });
    const order = await env.DB.prepare(
      "SELECT step_id FROM step_attempts WHERE run_id = ? AND step_id IN ('unfetch', 'gather_compensate') ORDER BY dispatched_at",
    )
      .bind(run.id)
      .all<{ step_id: string }>();
    expect(order.results.map((r) => r.step_id)).toEqual(['unfetch', 'gather_compensate']);
  });
});

describe('large data', () => {
  it('a 300 KB step output reaches the next step and the API; D1 keeps a reference, not the copy', async () => {
    await putWorkflow(
      'big',
      'name: big\nsteps:\n  - { id: big, agent: tagger, input: "{{ $pad(\'\', 300000, \'x\') }}" }\n  - { id: measure, agent: tagger, input: "{{ $string($length(big.output)) }}" }\noutput: "{{ big.output }}"',
    );
    const run = await waitForRun(await start('big'));
    expect(run.status).toBe('completed');
    expect(stepOf(run, 'measure').output).toBe('T: 300003');
    expect((run.output as string).length).toBe(300003);
    const row = await env.DB.prepare('SELECT output FROM runs WHERE id = ?').bind(run.id).first<{ output: string }>();
    expect(JSON.parse(row!.output)).toMatchObject({ $ref: 'run', bytes: 300005 });
  });
});

describe('concurrent registration', () => {
  const definition = (description: string) =>
    `name: racy\ndescription: ${description}\nsteps: [ { id: a, agent: tagger } ]`;
  const put = (body: string) =>
    api('/workflows/racy', { method: 'PUT', body, headers: { 'content-type': 'application/yaml' } });

  it('concurrent PUT /api/workflows/:name: no 500; each answer is a version holding its own definition (or 409), never shared by two definitions', async () => {
    await putWorkflow('racy', definition('v0'));
    const bodies = ['one', 'two', 'three', 'four', 'one', 'two'].map(definition);
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await put(body);
        return { body, status: res.status, json: (await res.json()) as { version?: number; error?: { code: string } } };
      }),
    );
    for (const a of answers) expect([200, 201, 409], JSON.stringify(a)).toContain(a.status);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json.error?.code).toBe('conflict');
    const won = answers.filter((a) => a.status !== 409);
    expect(won.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(1);
    // Equal to the latest version shares it (200); equal to an older one is a new version, as in sequence.
    const bodyOf = new Map<number, string>();
    for (const a of won) {
      expect(bodyOf.get(a.json.version!) ?? a.body, 'different definitions never share a version').toBe(a.body);
      bodyOf.set(a.json.version!, a.body);
    }
    const versions = [...bodyOf.keys()];
    for (const [version, body] of bodyOf) {
      const stored = (await (await api(`/workflows/racy?version=${version}`)).json()) as { source: string };
      expect(stored.source).toBe(body);
    }
    const listed = (await (await api('/workflows/racy')).json()) as {
      latestVersion: number;
      versions: { version: number }[];
    };
    expect(listed.versions.map((v) => v.version)).toEqual(
      Array.from({ length: listed.latestVersion }, (_, i) => listed.latestVersion - i),
    );
    expect(listed.latestVersion).toBe(Math.max(...versions));
  });

  it('concurrent POST /api/workflows of one new name: one 201 (version 1), the others 409', async () => {
    const body = 'name: racy-new\nsteps: [ { id: a, agent: tagger } ]';
    const statuses = await Promise.all(
      [1, 2, 3, 4].map(
        async () =>
          (await api('/workflows', { method: 'POST', body, headers: { 'content-type': 'application/yaml' } })).status,
      ),
    );
    expect(statuses.sort()).toEqual([201, 409, 409, 409]);
  });
});
