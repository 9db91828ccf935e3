import { describe, expect, it } from 'vitest';
import { loopMarks, MAX_TOOL_LANES } from '../../website/src/loop-layout';
import type { ToolCallView, TurnView } from '../../website/src/types';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const call = (over: Partial<ToolCallView>): ToolCallView => ({
  id: 'c',
  tool: 'echo',
  kind: 'mcp',
  arguments: {},
  status: 'succeeded',
  tries: 1,
  startedAt: null,
  endedAt: null,
  output: null,
  error: null,
  usage: null,
  approval: null,
  childRunId: null,
  ...over,
});
const turn = (over: Partial<TurnView>): TurnView => ({
  turn: 1,
  status: 'succeeded',
  tries: 1,
  startedAt: null,
  endedAt: null,
  provider: 'openai',
  model: 'gpt-test',
  usage: null,
  text: null,
  toolCalls: [],
  repairOf: null,
  invalid: null,
  answered: false,
  error: null,
  ...over,
});
/** A bar from 0 s to 10 s: 1 s is 10 %. */
const marks = (turns: TurnView[], nowS = 10) => loopMarks(turns, T0, T0 + 10_000, T0 + nowS * 1000);

describe('loopMarks', () => {
  it('places turns and tool calls by their times, as percent of the bar', () => {
    const [t, c] = marks([
      turn({
        startedAt: iso(1),
        endedAt: iso(2),
        usage: { inputTokens: 1200, outputTokens: 40 },
        toolCalls: [call({ startedAt: iso(2), endedAt: iso(4.5) })],
      }),
    ]);
    expect(t).toMatchObject({ kind: 'turn', lane: 0, status: 'succeeded' });
    expect(t!.left).toBeCloseTo(10);
    expect(t!.width).toBeCloseTo(10);
    expect(t!.label).toBe('turn 1 (gpt-test): succeeded, 1.0 s, 1,200 in / 40 out tokens');
    expect(c).toMatchObject({ kind: 'tool', lane: 0, label: 'tool echo (mcp): succeeded, 2.5 s' });
    expect(c!.left).toBeCloseTo(20);
    expect(c!.width).toBeCloseTo(25);
  });

  it('stacks overlapping calls in lanes, reuses a free lane, and caps the lanes', () => {
    const calls = [
      call({ id: 'a', startedAt: iso(2), endedAt: iso(5) }),
      call({ id: 'b', startedAt: iso(2.1), endedAt: iso(3) }),
      call({ id: 'c', startedAt: iso(3), endedAt: iso(4) }), // b's lane is free again
      call({ id: 'd', startedAt: iso(3.5), endedAt: iso(4) }),
      call({ id: 'e', startedAt: iso(3.6), endedAt: iso(4) }),
    ];
    const lanes = marks([turn({ toolCalls: calls })]).map((m) => m.lane);
    expect(lanes).toEqual([0, 1, 1, 2, MAX_TOOL_LANES - 1]);
  });

  it('runs open units to now, and puts a call not started yet at the end of its turn', () => {
    const [t, waiting, pending] = marks(
      [
        turn({
          startedAt: iso(1),
          endedAt: iso(2),
          toolCalls: [
            call({
              tool: 'publish',
              kind: 'workflow',
              status: 'waiting',
              startedAt: iso(2),
              approval: {
                id: 'apv',
                assignees: ['lead@example.com', 'ops@example.com'],
                message: 'Publish?',
                status: 'pending',
                decidedBy: null,
                comment: null,
                decidedAt: null,
              },
            }),
            call({ status: 'pending' }),
          ],
        }),
      ],
      6,
    );
    expect(t!.width).toBeCloseTo(10);
    expect(waiting!.status).toBe('waiting');
    expect(waiting!.width).toBeCloseTo(40);
    expect(waiting!.label).toBe(
      'tool publish (workflow): waiting for approval by lead@example.com, ops@example.com, 4.0 s',
    );
    expect(pending!.left).toBeCloseTo(20);
    expect(pending!.width).toBeCloseTo(40);
  });

  it('names who rejected a call, flags repair turns, clamps to the bar and skips units without times', () => {
    const found = marks([
      turn({ turn: 2, repairOf: [{ path: '/x', message: 'bad' }], startedAt: iso(-5), endedAt: iso(20) }),
      turn({
        turn: 3,
        toolCalls: [
          call({
            status: 'rejected',
            startedAt: iso(3),
            endedAt: iso(3.2),
            approval: {
              id: 'apv',
              assignees: ['lead@example.com'],
              message: 'Ok?',
              status: 'rejected',
              decidedBy: 'lead@example.com',
              comment: 'no',
              decidedAt: iso(3.2),
            },
          }),
        ],
      }),
    ]);
    expect(found).toHaveLength(2); // turn 3 has no times
    expect(found[0]).toMatchObject({ left: 0, width: 100 });
    expect(found[0]!.label).toMatch(/^repair turn 2 \(gpt-test\): succeeded/);
    expect(found[1]!.label).toBe('tool echo (mcp): rejected by lead@example.com, 200 ms');
  });

  it('gives a finished call without an end no width rather than running it to now', () => {
    const [c] = marks([turn({ toolCalls: [call({ status: 'failed', startedAt: iso(5) })] })]);
    expect(c).toMatchObject({ left: 50, width: 0 });
  });
});
