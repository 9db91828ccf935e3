import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/adapter/cloudflare/d1/client';
import { insertRun } from '../../src/adapter/cloudflare/d1/runs';
import { newRunId } from '../../src/adapter/cloudflare/triggers/start-run';
import { sweepQueuedRuns } from '../../src/adapter/cloudflare/triggers/sweep-runs';
import { api, eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

// The agent registry: versions, pinning, search, deprecation/offline, deletion (issue 17 item 1).

interface Received {
  url: string;
  body: { runId?: string };
}
const receivedBy = async (runId: string) =>
  ((await (await fetch(`${env.TEST_AGENT_URL}/received`)).json()) as Received[])
    .filter((r) => r.body?.runId === runId)
    .map((r) => r.url);

const json = (body: unknown) => ({ method: 'PUT', body: JSON.stringify(body) });
const yaml = (name: string, text: string, method = 'PUT') =>
  api(`/workflows/${name}`, { method, body: text, headers: { 'content-type': 'application/yaml' } });

/** A workflow that waits for event `type` and then calls `agent`: its run is started before, and calls after, what the test changes. */
const gated = (name: string, type: string, agent: string) =>
  `name: ${name}\nsteps:\n  - { id: gate, wait_for_event: { type: ${type}, timeout: 1m } }\n  - { id: call, agent: ${agent}, input: go }`;
const release = (type: string) => api('/events', { method: 'POST', body: JSON.stringify({ type, data: {} }) });
const waitingRun = async (workflow: string) => {
  const runId = await startRun(workflow);
  await eventually(async () => {
    const run = (await (await api(`/runs/${runId}`)).json()) as { steps: { id: string; status: string }[] };
    return run.steps.find((s) => s.id === 'gate')?.status === 'waiting' || undefined;
  });
  return runId;
};

describe('agent versions', () => {
  it('PUT twice makes v1 and v2; an identical PUT changes nothing; versions are listed newest first', async () => {
    const first = await api('/agents/versioned', json(httpAgent('tag/v1')));
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ name: 'versioned', version: 1 });
    const same = await api('/agents/versioned', json(httpAgent('tag/v1')));
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ version: 1 });
    const second = await api('/agents/versioned', json({ ...httpAgent('tag/v2'), description: 'second' }));
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ version: 2, description: 'second' });
    const list = (await (await api('/agents/versioned/versions')).json()) as {
      versions: { version: number; config: { url: string } }[];
    };
    expect(list.versions.map((v) => [v.version, v.config.url.split('/agents/')[1]])).toEqual([
      [2, 'tag/v2'],
      [1, 'tag/v1'],
    ]);
    expect((await api('/agents/nobody/versions')).status).toBe(404);
  });

  it('a run started before the second PUT calls v1, one started after it v2; name@1 keeps calling v1', async () => {
    await putAgent('pinned', httpAgent('tag/v1'));
    await putWorkflow('pin-before', gated('pin-before', 'pin-go', 'pinned'));
    const before = await waitingRun('pin-before');
    await putAgent('pinned', httpAgent('tag/v2'));
    await putWorkflow('pin-after', 'name: pin-after\nsteps: [ { id: call, agent: pinned, input: go } ]');
    await putWorkflow('pin-one', 'name: pin-one\nsteps: [ { id: call, agent: pinned@1, input: go } ]');
    const after = await startRun('pin-after');
    const one = await startRun('pin-one');
    await release('pin-go');
    for (const id of [before, after, one]) expect((await waitForRun(id)).status).toBe('completed');
    expect(await receivedBy(before)).toEqual(['/agents/tag/v1']);
    expect(await receivedBy(after)).toEqual(['/agents/tag/v2']);
    expect(await receivedBy(one)).toEqual(['/agents/tag/v1']);
    const run = (await (await api(`/runs/${after}`)).json()) as { output: unknown };
    expect(run.output).toBe('v2: go');
  });

  it('concurrent changes each make their own version, numbered without gaps', async () => {
    await putAgent('raced', httpAgent('tag/r0'));
    const answers = await Promise.all(
      ['r1', 'r2', 'r3'].map((tag) => api('/agents/raced', json(httpAgent(`tag/${tag}`)))),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const list = (await (await api('/agents/raced/versions')).json()) as { versions: { version: number }[] };
    expect(list.versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
  });

  it('the start sweeper starts a lost run with the agents its row pinned', async () => {
    await putAgent('swept', httpAgent('tag/v1'));
    await putWorkflow('swept-wf', 'name: swept-wf\nsteps: [ { id: call, agent: swept, input: go } ]');
    await putAgent('swept', httpAgent('tag/v2'));
    const old = Date.now() - 20_000;
    const id = newRunId(old);
    await insertRun(database(env.DB), 'default', {
      id,
      workflowName: 'swept-wf',
      version: 1,
      triggerType: 'api',
      trigger: { type: 'api' },
      input: {},
      idempotencyKey: null,
      stepsTotal: 0,
      createdAt: new Date(old).toISOString(),
      agents: { swept: { version: 1 } },
    });
    expect((await sweepQueuedRuns(env, Date.now())).started).toContain(id);
    expect((await waitForRun(id)).status).toBe('completed');
    expect(await receivedBy(id)).toEqual(['/agents/tag/v1']);
  });

  it('refuses an unknown version at registration, with its path', async () => {
    await putAgent('short', httpAgent('tag/s'));
    const res = await yaml('bad-version', 'name: bad-version\nsteps: [ { id: call, agent: short@2, input: go } ]');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { issues: { path: string; message: string }[] } } };
    expect(body.error.details.issues).toEqual([
      { path: 'steps[0].agent', message: "agent 'short' has no version 2 (its latest is 1)" },
    ]);
  });
});

describe('agent search and metrics', () => {
  it('filters by skill, domain, status and q; shows stats and dependants', async () => {
    const caps = (domain: string, skills: string[]) => ({ domain, skills });
    await putAgent('sum-mkt', {
      ...httpAgent('tag/a'),
      description: 'Summaries for MARKETING',
      capabilities: caps('marketing', ['summarize']),
    });
    await putAgent('sum-legal', { ...httpAgent('tag/b'), capabilities: caps('legal', ['summarize']), status: 'beta' });
    await putAgent('draft-mkt', { ...httpAgent('tag/c'), capabilities: caps('marketing', ['draft']) });
    const names = async (query: string) =>
      ((await (await api(`/agents?${query}`)).json()) as { agents: { name: string }[] }).agents
        .map((a) => a.name)
        .filter((n) => ['sum-mkt', 'sum-legal', 'draft-mkt'].includes(n));
    expect(await names('skill=summarize')).toEqual(['sum-legal', 'sum-mkt']);
    expect(await names('domain=marketing')).toEqual(['draft-mkt', 'sum-mkt']);
    expect(await names('skill=summarize&domain=marketing')).toEqual(['sum-mkt']);
    expect(await names('status=beta')).toEqual(['sum-legal']);
    expect(await names('q=marketing')).toEqual(['sum-mkt']);
    expect(await names('q=LEGAL')).toEqual(['sum-legal']);
    expect((await api('/agents?status=sleepy')).status).toBe(400);

    await putWorkflow('uses-mkt', 'name: uses-mkt\nsteps: [ { id: s, agent: sum-mkt, input: hello } ]');
    await putWorkflow('selects-sum', 'name: selects-sum\nsteps: [ { id: s, agent: { skill: summarize }, input: x } ]');
    expect((await waitForRun(await startRun('uses-mkt'))).status).toBe('completed');
    const agent = await eventually(async () => {
      const a = (await (await api('/agents/sum-mkt')).json()) as {
        circuit: { state: string };
        dependants: number;
        stats: { calls: number; successRate: number; p50Ms: number; p95Ms: number; throughputPerHour: number };
      };
      return a.stats.calls > 0 ? a : undefined;
    });
    expect(agent.circuit.state).toBe('closed');
    expect(agent.stats).toMatchObject({ calls: 1, successRate: 1, throughputPerHour: 1 / 24 });
    expect(agent.stats.p95Ms).toBeGreaterThanOrEqual(agent.stats.p50Ms);
    expect(agent.dependants).toBe(2); // named by uses-mkt, selected by skill in selects-sum
    const listed = (await (await api('/agents?include=health&q=sum-legal')).json()) as {
      agents: { dependants: number; stats: { calls: number } }[];
    };
    expect(listed.agents).toHaveLength(1);
    expect(listed.agents[0]).toMatchObject({ dependants: 1, stats: { calls: 0 } });
  });
});

describe('deprecated and offline agents', () => {
  it('registering a workflow that names a deprecated agent answers its warnings', async () => {
    await putAgent('oldie', { ...httpAgent('tag/o'), status: 'deprecated' });
    const res = await yaml(
      'warned',
      'name: warned\nsteps:\n  - { id: a, agent: oldie, input: x }\n  - { id: b, agent: { skill: nothing-has-this }, input: x }',
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { version: number; warnings: { path: string; message: string }[] };
    expect(body.version).toBe(1);
    expect(body.warnings.map((w) => w.path)).toEqual(['steps[0].agent', 'steps[1].agent']);
    expect(body.warnings[0]!.message).toContain("'oldie' is deprecated");
    expect(body.warnings[1]!.message).toContain("no active agent has skill 'nothing-has-this'");
  });

  it('refuses an offline agent at registration, with the path', async () => {
    await putAgent('downed', { ...httpAgent('tag/d'), status: 'offline' });
    const res = await yaml('offline-wf', 'name: offline-wf\nsteps: [ { id: a, agent: downed, input: x } ]');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { issues: { path: string }[] } } };
    expect(body.error.code).toBe('invalid_definition');
    expect(body.error.details.issues.map((i) => i.path)).toEqual(['steps[0].agent']);
  });

  it('refuses a replaced_by that is unknown or the agent itself', async () => {
    for (const replaced_by of ['no-such-agent', 'self-replacing']) {
      const res = await api('/agents/self-replacing', json({ ...httpAgent('tag/s'), status: 'offline', replaced_by }));
      expect(res.status).toBe(400);
      expect(
        ((await res.json()) as { error: { details: { issues: { path: string }[] } } }).error.details.issues,
      ).toEqual([expect.objectContaining({ path: 'replaced_by' })]);
    }
  });

  it("a pinned run's calls go to replaced_by once its agent is offline, else fail agent_offline", async () => {
    await putAgent('retiring', httpAgent('tag/retiring'));
    await putAgent('successor', httpAgent('tag/successor'));
    await putAgent('vanishing', httpAgent('tag/vanishing'));
    await putWorkflow('to-successor', gated('to-successor', 'retire-go', 'retiring'));
    await putWorkflow('to-nowhere', gated('to-nowhere', 'retire-go', 'vanishing'));
    const routed = await waitingRun('to-successor');
    const stranded = await waitingRun('to-nowhere');
    await putAgent('retiring', { ...httpAgent('tag/retiring'), status: 'offline', replaced_by: 'successor' });
    await putAgent('vanishing', { ...httpAgent('tag/vanishing'), status: 'offline' });
    await release('retire-go');
    expect((await waitForRun(routed)).status).toBe('completed');
    expect(await receivedBy(routed)).toEqual(['/agents/tag/successor']);
    const failed = await waitForRun(stranded);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'agent_offline' });
    expect(JSON.stringify(failed.error)).toContain("'vanishing'");
    expect(await receivedBy(stranded)).toEqual([]);
  });
});

describe('deleting an agent', () => {
  it('answers 409 naming the workflows whose latest version names it, then 204', async () => {
    await putAgent('doomed', httpAgent('tag/x'));
    await putAgent('helper', httpAgent('tag/h'));
    await putWorkflow('keeps-doomed', 'name: keeps-doomed\nsteps: [ { id: a, agent: doomed@1, input: x } ]');
    const toolUser = 'name: tool-user\nsteps: [ { id: a, agent: helper, input: x, tools: [ { agent: doomed } ] } ]';
    const refused = await api('/agents/doomed', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('conflict');
    expect(body.error.message).toContain('keeps-doomed');
    // A new version that no longer names it frees it; an agent tool counts as naming it.
    await putWorkflow('keeps-doomed', 'name: keeps-doomed\nsteps: [ { id: a, agent: helper, input: x } ]');
    const toolRes = await yaml('tool-user', toolUser);
    expect(toolRes.status).toBeLessThan(300);
    const byTool = await api('/agents/doomed', { method: 'DELETE' });
    expect(byTool.status).toBe(409);
    expect(((await byTool.json()) as { error: { message: string } }).error.message).toContain('tool-user');
    await putWorkflow('tool-user', 'name: tool-user\nsteps: [ { id: a, agent: helper, input: x } ]');
    const deleted = await api('/agents/doomed', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await api('/agents/doomed')).status).toBe(404);
    expect((await api('/agents/doomed/versions')).status).toBe(404);
    expect((await api('/agents/doomed', { method: 'DELETE' })).status).toBe(404);
    // Version numbers are never reused: an agent registered again under the name numbers on.
    const again = await api('/agents/doomed', { method: 'PUT', body: JSON.stringify(httpAgent('tag/doomed-again')) });
    expect(again.status).toBe(201);
    const reborn = (await again.json()) as { version: number };
    expect(reborn.version).toBe(2);
  });
});
