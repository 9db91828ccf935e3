// The bench's "concurrent" scenario: 1,000 runs of a 5-step chain started at once on Baton, then
// the same chain as 1,000 Cloudflare Workflow instances (bench/worker.ts `/bench/cf-create` and
// `/bench/cf-status`), in the same workerd, both driven the same way from here. Each side is timed
// by its runs' own timestamps, so polling adds nothing to a figure: latency is a run's end minus
// its start request; runs/s is completed runs over the time from the first start request to the
// last end.

/** Runs of each side; `BENCH_CONCURRENT_RUNS` lowers it for a quick look (the figure of record is 1,000). */
const RUNS = Number(process.env.BENCH_CONCURRENT_RUNS || 1000);
const STEPS = 5;
/** Starts sent at once (API calls, Workflow creates). */
const CHUNK = 50;
/** How long either side may take before its unfinished runs count as lost, ms. */
const DEADLINE_MS = 600_000;

/** GET of a JSON answer. */
async function getJson(url) {
  const res = await fetch(url);
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  return JSON.parse(body);
}

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : null;
};
const round = (x) => Math.round(x * 100) / 100;

/**
 * completed, lost, p50, p95 and runs/s of a side.
 * @param latencies of each completed run, ms; @param ends each one's end, ms after the first start request.
 */
function figures(latencies, ends, lost) {
  const last = Math.max(1, ...ends);
  return {
    completed: latencies.length,
    lost,
    p50_ms: pct(latencies, 50),
    p95_ms: pct(latencies, 95),
    runs_per_s: round(latencies.length / (last / 1000)),
  };
}

/**
 * @param h the bench's helpers: `api`, `putWorkflow`, `startRun`, `chain` (a YAML chain of zero
 * agents), `base` (the Worker's URL) and `agentUrl` (the bench's agent server).
 * @returns the `concurrent` entry of results.json.
 */
export async function concurrentScenario({ api, putWorkflow, startRun, chain, base, agentUrl }) {
  await putWorkflow('five', chain('five', STEPS));
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < RUNS; i += CHUNK)
    ids.push(...(await Promise.all(Array.from({ length: Math.min(CHUNK, RUNS - i) }, () => startRun('five')))));
  // Runs end roughly in start order: a round asks for the first unfinished runs' D1 summaries and
  // stops at one still going (asking for all of them each second would load the one D1 database the
  // runs write to); at the deadline one last round asks for every run left.
  const ended = new Map();
  const ask = async (id) => {
    const run = await api(`/runs/${id}?steps=false`);
    if (['completed', 'failed', 'cancelled'].includes(run.status)) ended.set(id, run);
    return ended.has(id);
  };
  while (ended.size < ids.length && Date.now() - t0 < DEADLINE_MS) {
    await new Promise((r) => setTimeout(r, 1000));
    for (const id of ids) if (!ended.has(id) && !(await ask(id))) break;
  }
  for (const id of ids) if (!ended.has(id)) await ask(id);
  const done = [...ended.values()].filter((r) => r.status === 'completed');
  const baton = figures(
    done.map((r) => Date.parse(r.endedAt) - Date.parse(r.createdAt)),
    done.map((r) => Date.parse(r.endedAt) - t0),
    RUNS - done.length,
  );
  const cfWorkflows = await cfSide(base, agentUrl);
  return {
    runs: RUNS,
    steps_per_run: STEPS,
    ...baton,
    cf_workflows: cfWorkflows,
    // No ratio against a side that completed nothing (a harness failure, not a figure).
    throughput_ratio: cfWorkflows.completed ? round(baton.runs_per_s / cfWorkflows.runs_per_s) : null,
  };
}

/**
 * The Cloudflare Workflows side, driven like Baton's: creates in chunks of {@link CHUNK}, then
 * rounds of status asks for the first unfinished instances, stopping at one still going.
 * @returns its figures, and `error` when the harness failed (the figures then count what it saw).
 */
async function cfSide(base, agentUrl) {
  const t0 = Date.now();
  const made = [];
  let error;
  try {
    for (let i = 0; i < RUNS; i += CHUNK)
      made.push(
        ...(await getJson(
          `${base}/bench/cf-create?n=${Math.min(CHUNK, RUNS - i)}&steps=${STEPS}&agent=${agentUrl}/zero`,
        )),
      );
    const ended = new Map();
    const round = async (open) => {
      for (let i = 0; i < open.length; i += CHUNK) {
        const chunk = open.slice(i, i + CHUNK);
        const statuses = await getJson(`${base}/bench/cf-status?ids=${chunk.map((m) => m.id).join(',')}`);
        let going = false;
        for (const s of statuses)
          if (['complete', 'errored', 'terminated'].includes(s.status)) ended.set(s.id, s);
          else going = true;
        if (going) return;
      }
    };
    while (ended.size < made.length && Date.now() - t0 < DEADLINE_MS) {
      await new Promise((r) => setTimeout(r, 1000));
      await round(made.filter((m) => !ended.has(m.id)));
    }
    const done = made.filter((m) => ended.get(m.id)?.status === 'complete');
    return figures(
      done.map((m) => ended.get(m.id).endedAt - m.sent),
      done.map((m) => ended.get(m.id).endedAt - t0),
      RUNS - done.length,
    );
  } catch (err) {
    error = String(err?.message ?? err).slice(0, 300);
  }
  return { ...figures([], [], RUNS), error };
}
