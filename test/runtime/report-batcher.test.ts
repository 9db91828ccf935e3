import { describe, expect, it } from 'vitest';
import { REPORT_WINDOW_MS, ReportBatcher } from '../../src/runtime/report-batcher';
import type { Claim, Report } from '../../src/runtime/run-object';

const ok = (stepId: string): Report => ({ stepId, attempt: 1, ok: true, output: stepId });
const claim = (stepId: string) => ({ stepId, attempt: 1 }) as Claim;

function recorder(answer = (items: { report: Report }[]) => items.map(() => null as Claim | null)) {
  const batches: string[][] = [];
  const batcher = new ReportBatcher(async (items) => {
    batches.push(items.map((i) => i.report.stepId));
    return answer(items);
  });
  return { batcher, batches };
}

describe('report batching', () => {
  it('sends a lone attempt\'s report at once (a chain waits for nothing) and answers its handed-back step', async () => {
    const { batcher, batches } = recorder((items) => items.map((i) => claim(`after-${i.report.stepId}`)));
    batcher.started();
    const next = batcher.report({ report: ok('a'), wantsNext: true });
    expect(batches).toEqual([['a']]);
    expect(await next).toMatchObject({ stepId: 'after-a' });
  });

  it('gathers a fan-out\'s reports: the last one in flight sends them all in one call', async () => {
    const { batcher, batches } = recorder();
    for (let i = 0; i < 3; i++) batcher.started();
    const answers = [batcher.report({ report: ok('a'), wantsNext: true }), batcher.report({ report: ok('b'), wantsNext: true })];
    expect(batches).toEqual([]);
    answers.push(batcher.report({ report: ok('c'), wantsNext: true }));
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect(await Promise.all(answers)).toEqual([null, null, null]);
  });

  it(`sends after ${REPORT_WINDOW_MS} ms when others are still running, and passes a failed call to every waiting report`, async () => {
    const { batcher, batches } = recorder();
    batcher.started();
    batcher.started();
    const first = batcher.report({ report: ok('quick'), wantsNext: false });
    await new Promise((r) => setTimeout(r, REPORT_WINDOW_MS + 20));
    expect(batches).toEqual([['quick']]);
    expect(await first).toBeNull();
    const failing = new ReportBatcher(() => Promise.reject(new Error('object unreachable')));
    failing.started();
    await expect(failing.report({ report: ok('x'), wantsNext: false })).rejects.toThrow('object unreachable');
  });
});
