import { describe, expect, it } from 'vitest';
import { decideAll, type Command, type RunEvent, type RunState } from '../../src/core/engine';
import { evaluateCondition, render } from '../../src/core/expressions';
import { stateOf } from '../support/definitions';
import { deepFreeze } from '../support/play';

/** 2001-02-03T04:05:06.789Z: far from today, so the real clock cannot pass for it. */
const AT = Date.UTC(2001, 1, 3, 4, 5, 6, 789);

/** A seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clockAt = (now: number, seed = 7) => ({ now, random: seeded(seed) });

describe('$now, $millis and $random read the run clock', () => {
  it('$now() is the clock time as ISO-8601, $millis() its ms', async () => {
    expect(await render('{{ $now() }}', {}, 'x', clockAt(AT))).toBe('2001-02-03T04:05:06.789Z');
    expect(await render('{{ $millis() }}', {}, 'x', clockAt(AT))).toBe(AT);
    expect(await evaluateCondition('$millis() = 981173106789', {}, 'x', clockAt(AT))).toBe(true);
  });

  it('$now(picture, timezone) formats the clock time like $fromMillis', async () => {
    expect(await render('{{ $now("[Y0001]-[M01]-[D01] [H01]", "-0500") }}', {}, 'x', clockAt(AT))).toBe(
      '2001-02-02 23',
    );
    await expect(render(`{{ $now("${'[Y]'.repeat(50)}") }}`, {}, 'x', clockAt(AT))).rejects.toThrow(
      /picture of \$fromMillis/,
    );
  });

  it('$random() comes from the clock: the same seed gives the same values', async () => {
    const template = '{{ [$random(), $random()] }}';
    const first = (await render(template, {}, 'x', clockAt(AT, 42))) as number[];
    const again = (await render(template, {}, 'x', clockAt(AT, 42))) as number[];
    expect(again).toEqual(first);
    expect(first[0]).not.toBe(first[1]);
    expect(first.every((n) => n >= 0 && n < 1)).toBe(true);
  });
});

const STAMPED = `name: stamped
steps:
  - { id: a, agent: x, input: "at {{ $now() }} ms {{ $millis() }} r {{ $random() }}" }
  - { id: b, agent: x, if: "$millis() > 0", input: { t: "{{ $now('[Y]') }}", r: "{{ $random() }}" } }
output: "{{ $now() }} {{ $random() }}"
`;

/** Decides the run from the start, answering each dispatch with a success, at most `rounds` times. */
async function replay(state: RunState, now: number): Promise<Command[][]> {
  const all: Command[][] = [];
  let events: RunEvent[] = [{ type: 'RunStarted' }];
  const clock = clockAt(now);
  for (let round = 0; round < 20 && events.length > 0; round++) {
    const decided = await decideAll(deepFreeze(state), events, clock);
    state = decided.state;
    all.push(decided.commands);
    events = decided.commands.flatMap((c): RunEvent[] =>
      c.type === 'DispatchStep'
        ? [{ type: 'StepSucceeded', stepId: c.stepId, attempt: c.attempt, output: { ok: c.stepId } }]
        : [],
    );
  }
  return all;
}

describe('replay: the same state and events give the same commands', () => {
  it('binds the engine templates to the run clock', async () => {
    const { state } = await decideAll(deepFreeze(stateOf(STAMPED)), [{ type: 'RunStarted' }], clockAt(AT));
    expect(state.steps.a!.input).toMatch(/^at 2001-02-03T04:05:06\.789Z ms 981173106789 r 0\.\d+$/);
    const completed = (await replay(stateOf(STAMPED), AT)).flat().find((c) => c.type === 'CompleteRun') as
      | { output: unknown }
      | undefined;
    expect(completed?.output).toMatch(/^2001-02-03T04:05:06\.789Z 0\.\d+$/);
  });

  // Vite reads the fixture files at build time, so this runs in plain Node and in workerd alike.
  const fixtures = Object.entries(
    import.meta.glob<string>('../fixtures/workflows/*.yaml', { query: '?raw', import: 'default', eager: true }),
  );
  expect(fixtures.length).toBeGreaterThanOrEqual(10);
  it.each([['stamped.yaml', STAMPED], ...fixtures])('%s', async (_name, yaml) => {
    const state = stateOf(yaml, { topic: 'CRM', base: 'https://agent.example' });
    const first = await replay(state, AT);
    const second = await replay(state, AT);
    expect(first.flat().length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });
});
