// The bench's "concurrent" scenario: 1,000 runs of a 5-step chain started at once on Baton, then
// the same chain as 1,000 Cloudflare Workflow instances (bench/worker.ts `/bench/cf-many`), in the
// same workerd. Each side is timed by its runs' own timestamps, so polling adds nothing to a figure:
// latency is a run's end minus its start request; runs/s is completed runs over the time from the
// first start request to the last end.
import { get } from 'node:http';

/** Runs of each side; `BENCH_CONCURRENT_RUNS` lowers it for a quick look (the figure of record is 1,000). */
const RUNS = Number(process.env.BENCH_CONCURRENT_RUNS || 1000);
const STEPS = 5;
/** Starts sent at once (API calls, Workflow creates). */
const CHUNK = 50;
/** How long either side may take before its unfinished runs count as lost, ms. */
const DEADLINE_MS = 600_000;

/**
 * GET of a JSON answer with no time limit (fetch gives up after 300 s without headers, and the
 * Workflow side answers once every instance ended).
 */
function getJson(url) {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`${url}: ${res.statusCode} ${body.slice(0, 200)}`));
        }
      });
    }).on('error', reject);
  });
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
  const cf = await getJson(
    `${base}/bench/cf-many?runs=${RUNS}&steps=${STEPS}&agent=${agentUrl}/zero&deadline=${DEADLINE_MS}`,
  );
  const cfWorkflows = figures(cf.latencies, cf.ends, cf.lost);
  return {
    runs: RUNS,
    steps_per_run: STEPS,
    ...baton,
    cf_workflows: cfWorkflows,
    throughput_ratio: round(baton.runs_per_s / Math.max(0.01, cfWorkflows.runs_per_s)),
  };
}
