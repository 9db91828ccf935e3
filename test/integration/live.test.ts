import { env, SELF } from 'cloudflare:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../src/lib/encoding';
import { api, eventually, httpAgent, putAgent, putWorkflow, startRun, TOKEN, waitForRun } from '../support/helpers';

const WAITING = `name: live-approval
steps:
  - { id: draft, agent: tagger, input: first }
  - id: review
    approval: { assignees: [lead@example.com], message: "ok?", deadline: 1h }
`;

/** Opens the run's live WebSocket with the token as a subprotocol, as the dashboard does. */
async function watch(runId: string, token = TOKEN) {
  const res = await SELF.fetch(`http://baton.test/api/live/runs/${runId}`, {
    headers: {
      upgrade: 'websocket',
      'sec-websocket-protocol': `baton, bearer.${toBase64Url(new TextEncoder().encode(token))}`,
    },
  });
  const notices: { type: string; status: string }[] = [];
  res.webSocket?.accept();
  res.webSocket?.addEventListener('message', (e) => notices.push(JSON.parse(e.data as string)));
  return { res, notices, close: () => res.webSocket?.close(1000) };
}

/** Reads a server-sent events response until its first event, then closes it. */
async function firstEvent(res: Response, abort: AbortController): Promise<EventSourceMessage> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  while (events.length === 0) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  abort.abort();
  await reader.cancel().catch(() => undefined);
  return events[0]!;
}

beforeAll(async () => {
  await putAgent('tagger', httpAgent('tag/T'));
  await putWorkflow('live-approval', WAITING);
  await putWorkflow('live-once', 'name: live-once\nsteps: [ { id: call, agent: tagger, input: x } ]');
});

describe('GET /api/live/runs/:id (WebSocket from the RunObject)', () => {
  it('sends the status at once and a notice when the run changes', async () => {
    const runId = await startRun('live-approval');
    const approval = await eventually(async () =>
      ((await (await api('/approvals?status=pending')).json()) as { id: string; runId: string }[]).find(
        (a) => a.runId === runId,
      ),
    );
    const { res, notices, close } = await watch(runId);
    expect(res.status).toBe(101);
    expect(res.headers.get('sec-websocket-protocol')).toBe('baton');
    await eventually(async () => notices[0]);
    expect(notices[0]).toEqual({ type: 'changed', status: 'waiting' });
    await api(`/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(await eventually(async () => notices.find((n) => n.status === 'completed'))).toEqual({
      type: 'changed',
      status: 'completed',
    });
    close();
  });

  it('refuses a wrong token, a missing upgrade and an unknown run', async () => {
    const runId = await startRun('live-once');
    await waitForRun(runId);
    expect((await watch(runId, 'wrong-token')).res.status).toBe(401);
    const plain = await SELF.fetch(`http://baton.test/api/live/runs/${runId}`, { headers: { upgrade: 'websocket' } });
    expect(plain.status).toBe(401);
    expect((await api(`/live/runs/${runId}`)).status).toBe(400);
    expect((await watch('no-such-run')).res.status).toBe(404);
  });
});

describe('GET /api/live/runs (server-sent events)', () => {
  it('sends the filtered first page of runs at once', async () => {
    const runId = await startRun('live-once');
    await waitForRun(runId);
    const abort = new AbortController();
    const res = await api('/live/runs?workflow=live-once&trigger=api', { signal: abort.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const event = await firstEvent(res, abort);
    expect(event.event).toBe('runs');
    const { runs } = JSON.parse(event.data) as { runs: { id: string; workflow: string; trigger: { type: string } }[] };
    expect(runs.map((r) => r.id)).toContain(runId);
    expect(runs.every((r) => r.workflow === 'live-once' && r.trigger.type === 'api')).toBe(true);
  });

  it('sends at most `limit` runs, newest first', async () => {
    const newest = await startRun('live-once');
    await waitForRun(newest);
    const abort = new AbortController();
    const res = await api('/live/runs?workflow=live-once&limit=1', { signal: abort.signal });
    expect(
      (JSON.parse((await firstEvent(res, abort)).data) as { runs: { id: string }[] }).runs.map((r) => r.id),
    ).toEqual([newest]);
  });
});

describe('GET /api/agents?include=health', () => {
  it('adds the circuit state and the calls, success rate and latency of recent attempts', async () => {
    await waitForRun(await startRun('live-once'));
    const { agents } = (await (await api('/agents?include=health')).json()) as {
      agents: {
        name: string;
        circuit: { state: string };
        stats: { calls: number; successRate: number; p50Ms: number; p95Ms: number };
      }[];
    };
    const tagger = agents.find((a) => a.name === 'tagger')!;
    expect(tagger.circuit.state).toBe('closed');
    expect(tagger.stats.calls).toBeGreaterThanOrEqual(1);
    expect(tagger.stats.successRate).toBe(1);
    expect(tagger.stats.p95Ms).toBeGreaterThanOrEqual(tagger.stats.p50Ms);
    const plain = (await (await api('/agents')).json()) as { agents: Record<string, unknown>[] };
    expect(plain.agents[0]).not.toHaveProperty('stats');
  });
});

describe('a RunObject without a run', () => {
  it('answers the watch in the API error shape, so the live route passes on a declared body', async () => {
    const stub = env.RUNS.get(env.RUNS.idFromName('run_never_started'));
    const res = await stub.fetch('http://run/live', { headers: { upgrade: 'websocket' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
