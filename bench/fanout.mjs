// The bench's fan-out scenarios: a 100-branch parallel block of a 200 ms agent against the
// plain-Worker floor measured in the same run (`/bench/parallel`: 100 fetches from one
// invocation), and a 100-branch block of an agent that answers only once 90 calls are open at once.

/** Branches of each block. */
const BRANCHES = 100;
/** The barrier agent answers once this many of its calls are open at the same time. */
const OPEN_REQUIRED = 90;
/** ...or each call after this long, ms: the scenario's 1 s agent. */
const BARRIER_MS = 1000;
/** Timed runs of the 200 ms block (after one warm-up; `FANOUT_RUNS` to change); the figure is the fastest, like the floor's. */
const RUNS = Number(process.env.FANOUT_RUNS || 5);

/** Barrier groups: calls open now, most open at once, calls, whether OPEN_REQUIRED was reached. */
const barriers = new Map();

/**
 * `POST /barrier/<group>/<n>/<ms>`: holds each call until n calls of the group are open at once
 * (then answers them all, and later ones at once) or ms passed; answers `{ output: input }`.
 * `GET /barrier/<group>` → `{ open, max, calls, reached }`.
 * @param body the request body as read (bounded by the caller's reader).
 */
export function handleBarrier(req, res, body) {
  const [, , group = '', n = '', ms = ''] = (req.url ?? '').split('/');
  const send = (payload) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  if (req.method === 'GET') {
    const { open = 0, max = 0, calls = 0, reached = false } = barriers.get(group) ?? {};
    return send({ open, max, calls, reached });
  }
  const g = barriers.get(group) ?? { open: 0, max: 0, calls: 0, reached: false, waiting: [] };
  barriers.set(group, g);
  g.open += 1;
  g.calls += 1;
  g.max = Math.max(g.max, g.open);
  let input = null;
  try {
    input = body ? JSON.parse(body).input : null;
  } catch {
    /* answered with a null output */
  }
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    g.open -= 1;
    send({ output: input });
  };
  if (g.reached || g.open >= Number(n)) {
    g.reached = true;
    for (const release of g.waiting.splice(0)) release();
    return answer();
  }
  g.waiting.push(answer);
  setTimeout(answer, Number(ms));
}

const block = (name, agent) =>
  `name: ${name}\nsteps:\n  - id: all\n    parallel:\n${Array.from({ length: BRANCHES }, (_, i) => `      - { id: b${i}, agent: ${agent}, input: "${i}" }`).join('\n')}\n`;

/**
 * `fanout`: 100 branches of a 200 ms agent; Baton's wall time (the run's own timestamps) against
 * the plain-Worker floor, interleaved so a slow spell of the machine falls on both.
 */
export async function fanoutScenario({ putWorkflow, startRun, waitRun, runMs, base, agentUrl, round }) {
  await putWorkflow('fan', block('fan', 'slow'));
  await waitRun(await startRun('fan')); // warm-up
  const floorOnce = async () =>
    (await (await fetch(`${base}/bench/parallel?steps=${BRANCHES}&agent=${agentUrl}/slow/200`)).json()).last;
  await floorOnce();
  const walls = [];
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    walls.push(runMs(await waitRun(await startRun('fan'))));
    floors.push(await floorOnce());
  }
  const wall = Math.min(...walls);
  const floor = Math.min(...floors);
  return {
    branches: BRANCHES,
    agent_ms: 200,
    wall_ms: wall,
    floor_wall_ms: floor,
    floor_ratio: round(wall / floor),
    efficiency: round(200 / wall),
    baton_runs_ms: walls,
    floor_runs_ms: floors,
  };
}

/**
 * `fanout_barrier`: 100 branches of a 1 s agent that answers only once 90 calls are open at the
 * same time: Baton reaches that concurrency with at most six calls per invocation.
 */
export async function fanoutBarrierScenario({ api, putWorkflow, startRun, waitRun, runMs, agentUrl }) {
  const group = `fan-${Date.now()}`;
  await api('/agents/barrier', {
    method: 'PUT',
    body: JSON.stringify({
      provider: 'http',
      config: { url: `${agentUrl}/barrier/${group}/${OPEN_REQUIRED}/${BARRIER_MS}` },
    }),
  });
  await putWorkflow('fan-barrier', block('fan-barrier', 'barrier'));
  const id = await startRun('fan-barrier');
  const run = await waitRun(id);
  const seen = await (await fetch(`${agentUrl}/barrier/${group}`)).json();
  const { steps } = await api(`/runs/${id}`);
  return {
    branches: BRANCHES,
    open_required: OPEN_REQUIRED,
    completed: steps.filter((s) => /^b\d+$/.test(s.id) && s.status === 'succeeded').length,
    run_status: run.status,
    max_open: seen.max,
    reached: seen.reached,
    wall_ms: runMs(run),
  };
}
