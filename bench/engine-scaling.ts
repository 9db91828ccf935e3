// `npx tsx bench/engine-scaling.ts`: the pure engine's cost per step of a chain, by chain length.
// Drives a chain as the RunObject does (each report decided with the next attempt's claim as a
// follow-up, then the changed steps and the run's fields serialised as a commit would), so a cost
// that grows with the run's size shows as a growing ms/step. Not a test: figures only.
import { parseDefinitionText, validateDefinition } from '../src/core/definition';
import { changedSteps, decideAll, initialState, type Command, type RunEvent, type RunState } from '../src/core/engine';

function chainState(n: number): RunState {
  const yaml = `name: chain\nsteps:\n${Array.from({ length: n }, (_, i) => `  - { id: s${i}, agent: zero, input: "${i}" }`).join('\n')}\n`;
  const parsed = parseDefinitionText(yaml);
  if ('issues' in parsed) throw new Error(JSON.stringify(parsed.issues));
  const result = validateDefinition(parsed.value);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return initialState({
    runId: 'run_1',
    workflow: 'chain',
    version: 1,
    definition: result.definition,
    inputs: {},
    trigger: { type: 'api' },
    createdAt: 0,
  });
}

/** The follow-up the RunObject's lane adds: the first dispatched attempt is claimed in the same decision. */
const claimFirst = (commands: readonly Command[]): RunEvent[] => {
  const first = commands.find((c) => c.type === 'DispatchStep');
  return first && first.type === 'DispatchStep'
    ? [{ type: 'StepStarted', stepId: first.stepId, attempt: first.attempt }]
    : [];
};

/** Runs a chain of `n` steps to its end; returns ms per step. */
async function runChain(n: number): Promise<number> {
  let state = chainState(n);
  let now = 1;
  const t0 = performance.now();
  let decision = await decideAll(state, [{ type: 'RunStarted' }], { now, random: Math.random }, claimFirst);
  state = decision.state;
  for (let i = 0; i < n; i++) {
    const event: RunEvent = { type: 'StepSucceeded', stepId: `s${i}`, attempt: 1, output: i };
    decision = await decideAll(state, [event], { now: ++now, random: Math.random }, claimFirst);
    const changed = changedSteps(state, decision.state);
    // What a commit serialises: the run's own fields and the changed step rows.
    const { steps, definition: _d, ...meta } = decision.state;
    JSON.stringify(meta);
    for (const key of changed) JSON.stringify(steps[key]);
    state = decision.state;
  }
  if (state.status !== 'completed') throw new Error(`chain of ${n} ended ${state.status}`);
  return (performance.now() - t0) / n;
}

const sizes = [100, 1000];
for (const n of sizes) await runChain(n); // warm-up (JIT)
const figures: Record<number, number> = {};
for (const n of sizes) {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) runs.push(await runChain(n));
  figures[n] = Math.min(...runs);
}
for (const n of sizes) console.log(`${n} steps: ${figures[n]!.toFixed(4)} ms/step`);
console.log(`ratio 1000/100: ${(figures[1000]! / figures[100]!).toFixed(2)}`);
