import { describe, expect, it } from 'vitest';
import { REPORT_WINDOW_MS, ReportBatcher } from '../../../src/adapter/cloudflare/run/report-batcher';
import type { Report } from '../../../src/adapter/cloudflare/run/run-object';

const ok = (stepId: string): Report => ({ stepId, attempt: 1, ok: true, output: stepId });

function recorder() {
  const batches: string[][] = [];
  const batcher = new ReportBatcher(async (reports) => {
    batches.push(reports.map((r) => r.stepId));
  });
  return { batcher, batches };
}

describe('report batching', () => {
  it("sends a lone attempt's report at once (nothing waits for a window)", async () => {
    const { batcher, batches } = recorder();
    batcher.started();
    const delivered = batcher.report(ok('a'));
    expect(batches).toEqual([['a']]);
    await expect(delivered).resolves.toBeUndefined();
  });

  it("gathers a fan-out's reports: the last one in flight sends them all in one call", async () => {
    const { batcher, batches } = recorder();
    for (let i = 0; i < 3; i++) batcher.started();
    const delivered = [batcher.report(ok('a')), batcher.report(ok('b'))];
    expect(batches).toEqual([]);
    delivered.push(batcher.report(ok('c')));
    expect(batches).toEqual([['a', 'b', 'c']]);
    await Promise.all(delivered);
  });

  it(`sends after ${REPORT_WINDOW_MS} ms when others are still running, and passes a failed call to every waiting report`, async () => {
    const { batcher, batches } = recorder();
    batcher.started();
    batcher.started();
    const first = batcher.report(ok('quick'));
    expect(batches).toEqual([]);
    await new Promise((r) => setTimeout(r, REPORT_WINDOW_MS + 20));
    expect(batches).toEqual([['quick']]);
    await first;
    const failing = new ReportBatcher(() => Promise.reject(new Error('object unreachable')));
    failing.started();
    failing.started();
    const both = [failing.report(ok('x')), failing.report(ok('y'))];
    await expect(both[0]).rejects.toThrow('object unreachable');
    await expect(both[1]).rejects.toThrow('object unreachable');
  });
});
