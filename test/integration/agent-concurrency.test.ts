import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, eventually, putAgent, putWorkflow, waitForRun } from '../support/helpers';

type Held = { max: number; calls: number; order: unknown[] };
type StepView = { id: string; status: string; waitReason?: string };
type RunView = { status: string; priority: number; steps: StepView[] };

/** What the test agent measured of a group of calls: most at once, how many, in which order. */
async function held(group: string): Promise<Held> {
  return (await (await fetch(`${env.TEST_AGENT_URL}/held/${group}`)).json()) as Held;
}

async function start(workflow: string, label: string, priority?: number): Promise<string> {
  const res = await api(`/workflows/${workflow}/runs`, {
    method: 'POST',
    body: JSON.stringify({ input: { label }, ...(priority ? { priority } : {}) }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

async function view(runId: string): Promise<RunView> {
  return (await (await api(`/runs/${runId}`)).json()) as RunView;
}

/** Waits until the run's step waits for its agent's slot, as the run API shows it. */
function busy(runId: string): Promise<RunView> {
  return eventually(async () => {
    const run = await view(runId);
    return run.steps.some((s) => s.status === 'waiting' && s.waitReason === 'agent_busy') ? run : undefined;
  });
}

async function agentWithSlots(name: string, group: string, ms: number, max: number): Promise<void> {
  await putAgent(name, {
    provider: 'http',
    max_concurrency: max,
    config: { url: `${env.TEST_AGENT_URL}/agents/held/${group}/${ms}` },
  });
  await putWorkflow(
    `wf-${name}`,
    `name: wf-${name}
inputs:
  label: { type: string }
steps:
  - id: call
    agent: ${name}
    input: "{{ inputs.label }}"
`,
  );
}

describe('max_concurrency: a Durable Object per agent bounds its calls across runs', () => {
  it('6 runs at once: the agent never sees more than 2 calls, waiting steps show agent_busy, all complete', async () => {
    await agentWithSlots('held-six', 'six', 150, 2);
    const ids = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((l) => start('wf-held-six', l)));
    const waiting = await Promise.any(ids.map(busy));
    expect(waiting.status).toBe('waiting');
    const runs = await Promise.all(ids.map((id) => waitForRun(id)));
    expect(runs.map((r) => r.status)).toEqual(Array(6).fill('completed'));
    const seen = await held('six');
    expect(seen.calls).toBe(6);
    expect(seen.max).toBeLessThanOrEqual(2);
    expect(seen.max).toBe(2);
    const slots = env.SLOTS.get(env.SLOTS.idFromName('default:held-six'));
    await eventually(async () => ((await slots.status()).holding === 0 ? true : undefined));
    expect(await slots.status()).toEqual({ max: 2, holding: 0, waiting: 0 });
  });

  it('with both slots held, waiting runs of priority 9 start before older ones of priority 1', async () => {
    await agentWithSlots('held-prio', 'slots-prio', 1200, 2);
    const holders = await Promise.all(['h1', 'h2'].map((l) => start('wf-held-prio', l)));
    await eventually(async () => ((await held('slots-prio')).calls === 2 ? true : undefined));
    const low = await Promise.all(['low1', 'low2'].map((l) => start('wf-held-prio', l, 1)));
    await Promise.all(low.map(busy));
    const high = await Promise.all(['high1', 'high2'].map((l) => start('wf-held-prio', l, 9)));
    await Promise.all(high.map(busy));
    // All four queued while the first two still held both slots.
    expect((await held('slots-prio')).calls).toBe(2);
    expect((await view(high[0]!)).priority).toBe(9);
    expect((await view(holders[0]!)).priority).toBe(5);
    for (const id of [...holders, ...low, ...high]) expect((await waitForRun(id)).status).toBe('completed');
    const seen = await held('slots-prio');
    expect(seen.max).toBe(2);
    expect(seen.order.slice(0, 2).sort()).toEqual(['h1', 'h2']);
    expect(seen.order.slice(2, 4).sort()).toEqual(['high1', 'high2']);
    expect(seen.order.slice(4).sort()).toEqual(['low1', 'low2']);
  });

  it('a step that waits longer than its timeout fails timeout without calling the agent', async () => {
    await putAgent('held-one', {
      provider: 'http',
      max_concurrency: 1,
      config: { url: `${env.TEST_AGENT_URL}/agents/held/one/800` },
    });
    for (const [name, timeout] of [
      ['wf-held-long', '10s'],
      ['wf-held-short', '300ms'],
    ])
      await putWorkflow(
        name!,
        `name: ${name}
inputs:
  label: { type: string }
steps:
  - id: call
    agent: held-one
    input: "{{ inputs.label }}"
    timeout: ${timeout}
    retry: { max_attempts: 1 }
`,
      );
    const first = await start('wf-held-long', 'first');
    await eventually(async () => ((await held('one')).calls === 1 ? true : undefined));
    const second = await start('wf-held-short', 'second');
    await busy(second);
    const late = (await waitForRun(second)) as unknown as { steps: { status: string; error: { code: string } }[] };
    expect(late.steps[0]).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect((await waitForRun(first)).status).toBe('completed');
    expect((await waitForRun(await start('wf-held-long', 'third'))).status).toBe('completed');
    // The waiter that timed out never called the agent; the slot went on to the next run.
    expect((await held('one')).order).toEqual(['first', 'third']);
  });
});

describe('max_concurrency of a model agent with tools', () => {
  it('each model turn takes a slot; its tool calls do not, so two loops run their tools side by side', async () => {
    const script = await fetch(`${env.TEST_AGENT_URL}/model/scripts/slot-loop`, {
      method: 'PUT',
      body: JSON.stringify({
        turns: [{ tool_calls: [{ name: 'wait_tool', arguments: { text: 'x' } }] }, { content: 'done' }],
      }),
    });
    expect(script.ok).toBe(true);
    await putAgent('slot-looper', {
      provider: 'openai',
      max_concurrency: 1,
      config: { baseUrl: `${env.TEST_AGENT_URL}/model/openai/v1`, model: 'slot-loop', apiKeySecret: 'LLM_KEY' },
      tools: [
        {
          http: {
            name: 'wait_tool',
            description: 'Waits',
            parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
            method: 'POST',
            url: `${env.TEST_AGENT_URL}/agents/held/loop-tool/1000`,
            body: { input: '{{ args.text }}' },
          },
        },
      ],
    });
    await putWorkflow('wf-slot-loop', 'name: wf-slot-loop\nsteps: [ { id: work, agent: slot-looper, input: "go" } ]');
    const ids = await Promise.all(['a', 'b'].map((l) => start('wf-slot-loop', l)));
    const runs = await Promise.all(ids.map((id) => waitForRun(id)));
    expect(runs.map((r) => [r.status, r.output])).toEqual([
      ['completed', 'done'],
      ['completed', 'done'],
    ]);
    // With the slot held through the whole loop, the second loop's tool could only start after the first loop ended.
    expect(await held('loop-tool')).toMatchObject({ calls: 2, max: 2 });
    const slots = env.SLOTS.get(env.SLOTS.idFromName('default:slot-looper'));
    await eventually(async () => ((await slots.status()).holding === 0 ? true : undefined));
    expect((await slots.status()).max).toBe(1); // the model turns went through the agent's slots
  });
});

describe('run priority', () => {
  it('is 1–10 on the start API (default 5) and set by a trigger', async () => {
    await putAgent('prio-echo', { provider: 'builtin', config: { tool: 'echo' } });
    await putWorkflow(
      'wf-prio-hook',
      `name: wf-prio-hook
triggers:
  - webhook: { signature: none, allow_unsigned: true, priority: 8 }
steps:
  - { id: a, agent: prio-echo, input: "{{ trigger.webhook.body.text }}" }
`,
    );
    for (const priority of [0, 11, 2.5]) {
      const res = await api('/workflows/wf-prio-hook/runs', { method: 'POST', body: JSON.stringify({ priority }) });
      expect(res.status).toBe(400);
    }
    const hooked = await SELF.fetch('http://baton.test/hooks/wf-prio-hook', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(hooked.status).toBe(202);
    const { runId } = (await hooked.json()) as { runId: string };
    expect(await waitForRun(runId)).toMatchObject({ status: 'completed', priority: 8 });
    const plain = await waitForRun(await start('wf-prio-hook', 'x'));
    expect(plain).toMatchObject({ priority: 5 });
    const listed = (await (await api('/runs?workflow=wf-prio-hook')).json()) as { runs: { priority: number }[] };
    expect(listed.runs.map((r) => r.priority).sort()).toEqual([5, 8]);
    const refused = await api('/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'name: wf-prio-bad\ntriggers: [ { schedule: { cron: "* * * * *", priority: 11 } } ]\nsteps: [ { id: a, agent: prio-echo } ]',
    });
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_definition', details: { issues: [{ path: 'triggers[0].schedule.priority' }] } },
    });
  });
});
