import { describe, expect, it } from 'vitest';
import { api, httpAgent, putAgent, putWorkflow, startRun, waitForRun } from '../support/helpers';

type History = { attempt: number; status: string; error: { code: string; retryable: boolean } | null }[];
type Steps = { steps: { id: string; status: string; error: { code: string } | null; history: History }[] };

describe('a step timeout ends the same way on every path: attempt failed, code timeout', () => {
  it("in the run's lane and in the Queue consumer, and when the body stalls after the headers", async () => {
    await putAgent('stalling', httpAgent('stall/3000'));
    await putAgent('sleepy', httpAgent('slow/3000'));
    await putWorkflow(
      'timeouts',
      `name: timeouts
steps:
  - id: both
    parallel:
      - { id: stalled, agent: stalling, timeout: 300ms, retry: { max_attempts: 2, initial_interval: 10ms }, on_error: continue }
      - { id: silent, agent: sleepy, timeout: 300ms, retry: { max_attempts: 2, initial_interval: 10ms }, on_error: continue }
`,
    );
    const run = await waitForRun(await startRun('timeouts'));
    const { steps } = (await (await api(`/runs/${run.id}`)).json()) as Steps;
    for (const id of ['stalled', 'silent']) {
      const step = steps.find((s) => s.id === id)!;
      expect(step).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
      expect(step.history.map((h) => [h.status, h.error?.code])).toEqual([
        ['failed', 'timeout'],
        ['failed', 'timeout'],
      ]);
    }
  });
});
