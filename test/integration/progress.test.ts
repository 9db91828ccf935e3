import { beforeAll, describe, expect, it } from 'vitest';
import { runFooter } from '../../src/app/mail/compose-reply';
import { stateOf } from '../support/definitions';
import { ok, play } from '../support/play';
import { api, eventually, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

// Two steps skipped by `if:`, a branch not taken, one step that runs: a completed run is fully done.
const SKIPPING = `name: skipping
steps:
  - { id: a, agent: tagger, input: "{{ inputs.x }}" }
  - { id: b, agent: tagger, if: "{{ false }}", input: b }
  - { id: c, agent: tagger, if: "{{ 1 > 2 }}", input: c }
  - id: route
    switch: "{{ 'left' }}"
    cases:
      left: [ { id: l, agent: tagger, input: l } ]
      right: [ { id: r, agent: tagger, input: r } ]
`;

describe('progress counts skipped steps the same way everywhere', () => {
  beforeAll(async () => {
    await putAgent('tagger', httpAgent('tag/T'));
    await putWorkflow('skipping', SKIPPING);
  });

  it('the reply footer of a completed run with skipped steps says n/n', async () => {
    const { state } = await play(stateOf(SKIPPING), [{ type: 'RunStarted' }, ok('a'), ok('l')]);
    expect(state.status).toBe('completed');
    expect(runFooter(state, state.endedAt ?? 0)).toMatch(/ · 3\/3 steps · /);
  });

  it('the run view, the list (D1 mirror) and the light view agree: done = total', async () => {
    const runId = await startRun('skipping', { x: 'hi' });
    const run = (await waitForRun(runId)) as unknown as {
      status: string;
      stepsDone: number;
      stepsTotal: number;
      steps: { id: string; status: string }[];
    };
    expect(run.status).toBe('completed');
    expect(
      run.steps
        .filter((s) => s.status === 'skipped')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['b', 'c', 'r']);
    expect({ done: run.stepsDone, total: run.stepsTotal }).toEqual({ done: 3, total: 3 });
    const listed = await eventually(async () => {
      const { runs } = (await (await api('/runs?workflow=skipping')).json()) as {
        runs: { id: string; status: string; stepsDone: number; stepsTotal: number }[];
      };
      return runs.find((r) => r.id === runId && r.status === 'completed');
    });
    expect({ done: listed.stepsDone, total: listed.stepsTotal }).toEqual({ done: 3, total: 3 });
    const light = (await (await api(`/runs/${runId}?steps=false`)).json()) as { stepsDone: number; stepsTotal: number };
    expect({ done: light.stepsDone, total: light.stepsTotal }).toEqual({ done: 3, total: 3 });
  });
});
