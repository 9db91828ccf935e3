import { describe, expect, it } from 'vitest';
import { decide, decideAll, type Command, type RunEvent, type RunState } from '../../src/core/engine';
import { stateOf } from '../support/definitions';
import { deepFreeze } from '../support/play';

const clock = (now: number) => ({ now, random: () => 0.5 });

/**
 * Plays a run to its end, answering every running step in order (`fails` fail once, not retried),
 * and returns each decision's commands and the final state. `reload` decides each event on a copy
 * of the state as storage would give it back (no decision's bookkeeping: every step examined).
 */
async function playOut(state: RunState, fails: Set<string>, reload: boolean) {
  const log: Command[][] = [];
  let now = 1000;
  const step = async (events: RunEvent[]) => {
    const input = reload ? (structuredClone(state) as RunState) : state;
    now += 10;
    const d = await decideAll(deepFreeze(input), events, clock(now));
    log.push(d.commands);
    state = d.state;
  };
  await step([{ type: 'RunStarted' }]);
  for (let guard = 0; guard < 500 && !['completed', 'failed'].includes(state.status); guard++) {
    const running = Object.keys(state.steps).filter((k) => state.steps[k]!.status === 'running');
    if (!running.length) break;
    const key = running[0]!;
    const attempt = state.steps[key]!.attempt;
    await step([
      fails.has(key)
        ? {
            type: 'StepFailed',
            stepId: key,
            attempt,
            error: { code: 'agent_error', message: 'boom', retryable: false },
          }
        : { type: 'StepSucceeded', stepId: key, attempt, output: key },
    ]);
  }
  return { log, state };
}

/** A DAG with needs, conditions, `on_error: continue`, an error handler and plain order. */
const DAG = `name: dag
steps:
  - { id: a, agent: x }
  - { id: b, agent: x, needs: [] }
  - { id: c, agent: x, needs: [a, b], on_error: continue }
  - { id: d, agent: x, if: "inputs.go", needs: [a] }
  - { id: e, agent: x, needs: [d] }
  - { id: f, agent: x, needs: [c] }
  - { id: g, agent: x, on_error: fix }
  - { id: h, agent: x, needs: [g, e] }
  - { id: fix, agent: x }
  - { id: i, agent: x, needs: [b] }
`;

describe('decide: only changed steps and their dependants are examined', () => {
  for (const [name, fails, go] of [
    ['all succeed', [], true],
    ['a condition false', [], false],
    ['a continue-on-error step and a handled step fail', ['c', 'g'], true],
    ['a plain step fails the run', ['a'], true],
  ] as const)
    it(`the same decisions as examining every step on each event: ${name}`, async () => {
      const incremental = await playOut(stateOf(DAG, { go }), new Set(fails), false);
      const full = await playOut(stateOf(DAG, { go }), new Set(fails), true);
      expect(incremental.log).toEqual(full.log);
      expect(structuredClone(incremental.state)).toEqual(structuredClone(full.state));
      expect(['completed', 'failed']).toContain(incremental.state.status);
    });

  it('a long chain ends with every step run in order', async () => {
    const n = 300;
    const yaml = `name: long\nsteps:\n${Array.from({ length: n }, (_, i) => `  - { id: s${i}, agent: x }`).join('\n')}\n`;
    const { state, log } = await playOut(stateOf(yaml), new Set(), false);
    expect(state.status).toBe('completed');
    const dispatched = log.flat().flatMap((c) => (c.type === 'DispatchStep' ? [c.stepId] : []));
    expect(dispatched).toEqual(Array.from({ length: n }, (_, i) => `s${i}`));
  });

  it('a step that became ready while the run was paused starts on resume', async () => {
    let state = stateOf(
      `name: p\nsteps:\n  - { id: a, agent: x }\n  - { id: b, agent: x, needs: [] }\n  - { id: c, agent: x, needs: [a] }\n`,
    );
    for (const event of [
      { type: 'RunStarted' },
      { type: 'PauseRequested' },
      { type: 'StepSucceeded', stepId: 'a', attempt: 1, output: 1 },
      // Another step ends while the run is paused: c is ready still, though not a's decision.
      { type: 'StepSucceeded', stepId: 'b', attempt: 1, output: 2 },
    ] as RunEvent[])
      state = (await decide(state, event, clock(1000))).state;
    expect(state.steps.c!.status).toBe('pending');
    const { state: resumed, commands } = await decide(state, { type: 'ResumeRequested' }, clock(2000));
    expect(resumed.steps.c!.status).toBe('running');
    expect(commands.some((c) => c.type === 'DispatchStep' && c.stepId === 'c')).toBe(true);
  });
});
