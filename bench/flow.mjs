// The bench's "flow_overhead" scenario: a chain of 50 zero-latency agent steps with workflow-level
// `concurrency` and `throttle` set, against the same chain without them, both timed from the run's
// record (createdAt: before the flow-control gates are asked) to its end. Target ratio ≤ 1.1.

/** Steps of the chain. */
const STEPS = 50;
/** Timed runs of each side, alternating (after one warm-up each); the figure is each side's median. */
const RUNS = 7;

/**
 * @param {{ putWorkflow: Function, startRun: Function, waitRun: Function, chain: (name: string, n: number) => string }} io
 * @returns {Promise<{ steps: number, runs: number, plain_ms: number, flow_ms: number, ratio: number }>}
 */
export async function flowOverheadScenario({ putWorkflow, startRun, waitRun, chain }) {
  await putWorkflow('flow-plain', chain('flow-plain', STEPS));
  const flowed = chain('flow-gated', STEPS).replace(
    'steps:\n',
    'concurrency:\n  - { limit: 10, key: "{{ inputs.customer }}" }\n  - { limit: 50 }\nthrottle: { limit: 100, period: 1s, burst: 10 }\nsteps:\n',
  );
  await putWorkflow('flow-gated', flowed);
  const total = (run) => Date.parse(run.endedAt) - Date.parse(run.createdAt);
  const once = async (name) => {
    const run = await waitRun(await startRun(name, { customer: 'acme' }));
    if (run.status !== 'completed') throw new Error(`${name}: run ${run.id} ${run.status}`);
    return total(run);
  };
  await once('flow-plain');
  await once('flow-gated');
  const plain = [];
  const flow = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await once('flow-plain'));
    flow.push(await once('flow-gated'));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [p, f] = [median(plain), median(flow)];
  return { steps: STEPS, runs: RUNS, plain_ms: p, flow_ms: f, ratio: Math.round((f / Math.max(1, p)) * 100) / 100 };
}
