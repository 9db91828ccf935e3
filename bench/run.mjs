// `npm run bench`: starts Baton (plus a bench-only Cloudflare Workflow) in `wrangler dev` on
// 127.0.0.1, serves agents itself, runs each scenario, prints a table and writes bench/results.json.
// Absolute times on shared machines are noise; compare the ratios measured in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { root, sleep } from '../scripts/lib.mjs';
import { flowOverheadScenario } from './flow.mjs';
import { concurrentScenario } from './concurrent.mjs';
import { handleModel, TOOL_CALLS, toolsScenario } from './tools.mjs';
import { fanoutBarrierScenario, fanoutScenario, handleBarrier } from './fanout.mjs';

const PORT = Number(process.env.BENCH_PORT || 8795);
const BASE = `http://127.0.0.1:${PORT}`;
const TOKEN = 'bench-token';
const persist = join(root, '.wrangler', 'bench-state');
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const config = join(root, 'bench', 'wrangler.toml');
/**
 * `BENCH_ONLY=sequential,fanout npm run bench` runs some scenarios (results.json is then not written,
 * unless `BENCH_MERGE=1`: then their entries replace theirs in it, each with its own `machine`).
 */
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const merge = process.env.BENCH_MERGE === '1';
const wanted = (name) => !only || only.has(name);

/**
 * Agents on 127.0.0.1: /zero answers at once, /slow/<ms> after ms; counts those calls. /model/… is
 * the scripted model of the tools scenario (bench/tools.mjs). Bodies are read up to 2 MiB.
 */
let agentCalls = 0;
const agents = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    if (body.length <= 2 * 1024 * 1024) body += c;
  });
  req.on('end', () => {
    if (req.url?.startsWith('/model/')) return handleModel(req, res, body);
    if (req.url?.startsWith('/barrier/')) return handleBarrier(req, res, body);
    agentCalls++;
    const input = body ? JSON.parse(body).input : null;
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ output: input }));
    };
    const slow = /^\/slow\/(\d+)/.exec(req.url ?? '');
    if (slow) setTimeout(answer, Number(slow[1]));
    else answer();
  });
});
// Idle connections outlive workerd's pooled ones: with Node's 5 s default, a busy run reused a socket
// the server was closing ("Network connection lost"), and the agent's circuit opened.
agents.keepAliveTimeout = 120_000;
agents.headersTimeout = 125_000;
await new Promise((r) => agents.listen(0, '127.0.0.1', r));
const AGENT = `http://127.0.0.1:${agents.address().port}`;

async function api(path, init = {}) {
  const res = await fetch(`${BASE}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const putWorkflow = (name, yaml) =>
  api(`/workflows/${name}`, { method: 'PUT', body: yaml, headers: { 'content-type': 'application/yaml' } });
const startRun = async (name, input = {}) =>
  (await api(`/workflows/${name}/runs`, { method: 'POST', body: JSON.stringify({ input }) })).runId;
async function waitRun(id, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The D1 summary: reading the whole run from its RunObject while it runs would load the engine
    // being measured (a 1,000-step run serialised ten times a second).
    const run = await api(`/runs/${id}?steps=false`);
    if (['completed', 'failed', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status}`);
    // Timed by the run's own timestamps; polling more often only loads the engine being measured.
    await sleep(100);
  }
}
const runMs = (run) => Date.parse(run.endedAt) - Date.parse(run.startedAt);
const chain = (name, n, agent = 'zero') =>
  `name: ${name}\nsteps:\n${Array.from({ length: n }, (_, i) => `  - { id: s${i}, agent: ${agent}, input: "${i}" }`).join('\n')}\n`;
const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Each scenario returns its entry of results.json. */
const scenarios = {
  /** A chain of N zero-latency agent steps: Baton vs the same chain as a Cloudflare Workflow vs an in-process loop. */
  async sequential() {
    const N = 50;
    await putWorkflow('seq', chain('seq', N));
    await waitRun(await startRun('seq')); // warm-up
    const baton = [];
    for (let i = 0; i < 3; i++) baton.push(runMs(await waitRun(await startRun('seq'))));
    const cf = [];
    const floor = [];
    for (let i = 0; i < 3; i++) {
      cf.push((await (await fetch(`${BASE}/bench/cf?steps=${N}&agent=${AGENT}/zero`)).json()).ms);
      floor.push((await (await fetch(`${BASE}/bench/inprocess?steps=${N}&agent=${AGENT}/zero`)).json()).ms);
    }
    const floorPerStep = Math.min(...floor) / N;
    const batonPerStep = round(Math.min(...baton) / N - floorPerStep);
    const cfPerStep = round(Math.min(...cf) / N - floorPerStep);
    return {
      steps: N,
      baton_ms_per_step: batonPerStep,
      cf_workflows_ms_per_step: cfPerStep,
      inprocess_ms_per_step: round(floorPerStep),
      ratio: round(batonPerStep / cfPerStep),
    };
  },

  /** One parallel block of 100 branches of a 200 ms agent against the plain-Worker floor (bench/fanout.mjs). */
  fanout: () => fanoutScenario({ putWorkflow, startRun, waitRun, runMs, base: BASE, agentUrl: AGENT, round }),

  /** 100 branches of a 1 s agent that answers once 90 calls are open at once (bench/fanout.mjs). */
  fanout_barrier: () => fanoutBarrierScenario({ api, putWorkflow, startRun, waitRun, runMs, agentUrl: AGENT }),

  /** A 1,000-step run (a foreach of 1,000 items, one at a time). */
  async long() {
    await putWorkflow(
      'long',
      `name: long\nsteps:\n  - id: each\n    foreach: "{{ [1..1000] }}"\n    concurrency: 1\n    do: [ { id: one, agent: zero, input: "{{ item }}" } ]\n`,
    );
    const long = await waitRun(await startRun('long'));
    return { steps: 1000, status: long.status, wall_ms: runMs(long) };
  },

  /** 1,000 runs of 5 steps started at once, and the same chain as 1,000 Cloudflare Workflow instances. */
  concurrent: () => concurrentScenario({ api, putWorkflow, startRun, chain, base: BASE, agentUrl: AGENT }),

  /** 200 real fixture messages to an alias; parse-to-run-start. */
  async email() {
    await putWorkflow(
      'mail',
      'name: mail\ntriggers: [ { email: { alias: bench } } ]\nsteps: [ { id: read, agent: echo, input: "{{ trigger.email.subject }}" } ]\n',
    );
    const dir = join(root, 'test', 'fixtures', 'email');
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    for (let i = 0; i < 200; i++) {
      const raw = Buffer.concat([
        Buffer.from(`Message-ID: <bench-${i}@baton.bench>\r\n`),
        readFileSync(join(dir, files[i % files.length])),
      ]);
      await fetch(
        `${BASE}/cdn-cgi/local/email?${new URLSearchParams({ from: 'bench@example.com', to: 'bench@baton.local' })}`,
        { method: 'POST', body: raw },
      );
    }
    await sleep(2000);
    const { messages } = await api('/messages?direction=inbound&status=accepted&limit=200');
    const starts = [];
    for (const m of messages) {
      const run = await api(`/runs/${m.runId}`);
      if (run.startedAt) starts.push(Date.parse(run.startedAt) - Date.parse(m.recordedAt));
    }
    return { messages: 200, accepted: messages.length, p50_parse_to_start_ms: pct(starts, 50) };
  },

  /**
   * Template costs after registration: a 20 KB template (400 expressions) against a plain one, and
   * each template bomb of issue 13 (its run's wall time, bounded by the expression budget) with
   * the slowest /api/health answer while it runs.
   */
  async templates() {
    // The same text with and without its expressions: the difference is the cost of rendering.
    const big = Array.from(
      { length: 400 },
      (_, i) => `Part ${i}: {{ $uppercase(inputs.topic) & "-" & $string(${i}) }} and more text here.`,
    ).join(' ');
    const flat = big.replace(/\{\{[^}]*\}\}/g, (m) => 'x'.repeat(m.length));
    await putWorkflow(
      'tpl-plain',
      `name: tpl-plain\nsteps: [ { id: a, agent: zero, input: ${JSON.stringify(flat)} } ]\n`,
    );
    await putWorkflow('tpl-20k', `name: tpl-20k\nsteps: [ { id: a, agent: zero, input: ${JSON.stringify(big)} } ]\n`);
    const walls = async (name) => {
      const w = [];
      for (let i = 0; i < 9; i++) w.push(runMs(await waitRun(await startRun(name, { topic: 'crm' }))));
      return pct(w, 50);
    };
    await walls('tpl-20k'); // warm-up
    await walls('tpl-plain');
    const plain = await walls('tpl-plain');
    const twenty = await walls('tpl-20k');
    const bombs = {
      recursion: '( $f := function($x){ $f($x) }; $f(1) )',
      stack: '( $f := function($x){ 1 + $f($x) }; $f(1) )',
      pad: '$pad("", 100000000, "x")',
      regex: '$contains(inputs.s, /(a+)+$/)',
    };
    // 20 KB of text with 40 expressions (one per 500 characters).
    const sparse = Array.from(
      { length: 40 },
      (_, i) => `Part ${i}: {{ $uppercase(inputs.topic) }} ${'lorem ipsum dolor sit amet '.repeat(18)}`,
    ).join(' ');
    const sparseFlat = sparse.replace(/\{\{[^}]*\}\}/g, (m) => 'x'.repeat(m.length));
    await putWorkflow(
      'tpl-sparse',
      `name: tpl-sparse\nsteps: [ { id: a, agent: zero, input: ${JSON.stringify(sparse)} } ]\n`,
    );
    await putWorkflow(
      'tpl-sparse-plain',
      `name: tpl-sparse-plain\nsteps: [ { id: a, agent: zero, input: ${JSON.stringify(sparseFlat)} } ]\n`,
    );
    await walls('tpl-sparse');
    const sparsePlain = await walls('tpl-sparse-plain');
    const sparseRun = await walls('tpl-sparse');
    const out = {
      template_bytes: big.length,
      plain_run_ms: plain,
      template_20kb_run_ms: twenty,
      template_20kb_extra_ms: twenty - plain,
      sparse_bytes: sparse.length,
      sparse_40_expressions_extra_ms: sparseRun - sparsePlain,
      bombs: {},
    };
    for (const [name, expr] of Object.entries(bombs)) {
      await putWorkflow(
        `bomb-${name}`,
        `name: bomb-${name}\nsteps: [ { id: a, agent: zero, input: ${JSON.stringify(`{{ ${expr} }}`)} } ]\n`,
      );
      const t0 = Date.now();
      const id = await startRun(`bomb-${name}`, { s: `${'a'.repeat(5000)}b` });
      let health = 0;
      let run;
      for (;;) {
        const h0 = Date.now();
        await fetch(`${BASE}/api/health`);
        health = Math.max(health, Date.now() - h0);
        run = await api(`/runs/${id}?steps=false`);
        if (!['queued', 'running'].includes(run.status)) break;
      }
      out.bombs[name] = { status: run.status, wall_ms: Date.now() - t0, health_max_ms: health };
    }
    return out;
  },

  /** One agent step making 20 `http` tool calls (one per model turn) vs the same loop in-process. */
  tools: () => toolsScenario({ api, putWorkflow, startRun, waitRun, runMs, agentUrl: AGENT, served: () => agentCalls }),

  /** A 50-step chain with `concurrency` and `throttle` against the same chain without them. */
  flow_overhead: () => flowOverheadScenario({ putWorkflow, startRun, waitRun, chain }),

  /** Wall time by chain length. */
  async scaling() {
    const points = [];
    for (const n of [1, 10, 100, 1000]) {
      await putWorkflow(`chain-${n}`, chain(`chain-${n}`, n));
      const ms = runMs(await waitRun(await startRun(`chain-${n}`)));
      points.push({ steps: n, ms, ms_per_step: round(ms / n) });
    }
    return points;
  },
};

async function main() {
  rmSync(persist, { recursive: true, force: true });
  spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '-c', config, '--persist-to', persist], {
    cwd: root,
    env,
    stdio: 'ignore',
  });
  const dev = spawn(
    wrangler,
    [
      'dev',
      '-c',
      config,
      '--ip',
      '127.0.0.1',
      '--port',
      String(PORT),
      '--persist-to',
      persist,
      '--var',
      `ADMIN_TOKEN:${TOKEN}`,
      // Local mail carries no Authentication-Results, and the bench sends more than a sender's limit.
      '--var',
      'EMAIL_AUTH:off',
      '--var',
      'EMAIL_SENDER_LIMIT:off',
      '--var',
      'EMAIL_ALIAS_LIMIT:off',
      '--show-interactive-dev-session=false',
      '--log-level',
      'error',
    ],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    for (let i = 0; i < 240; i++) {
      try {
        if ((await fetch(`${BASE}/api/health`)).ok) break;
      } catch {
        /* starting */
      }
      await sleep(250);
    }
    await api('/agents/zero', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'http', config: { url: `${AGENT}/zero` } }),
    });
    await api('/agents/slow', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'http', config: { url: `${AGENT}/slow/200` } }),
    });
    await api('/agents/echo', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'builtin', config: { tool: 'echo' } }),
    });
    const results = {};
    for (const [name, scenario] of Object.entries(scenarios)) if (wanted(name)) results[name] = await scenario();
    const machine = {
      cores: (await import('node:os')).cpus().length,
      date: new Date().toISOString().slice(0, 10),
      node: process.version,
    };
    results.machine = machine;
    const rows = {
      sequential: (r) => ({
        'sequential ms/step (Baton | CF Workflows | in-process)': `${r.baton_ms_per_step} | ${r.cf_workflows_ms_per_step} | ${r.inprocess_ms_per_step}`,
        'sequential ratio Baton/CF': r.ratio,
      }),
      fanout: (r) => ({
        'fan-out 100×200 ms: wall ms | plain-Worker floor ms | ratio': `${r.wall_ms} | ${r.floor_wall_ms} | ${r.floor_ratio}`,
      }),
      fanout_barrier: (r) => ({
        'fan-out barrier 100×1 s, 90 open: completed | max open | wall ms': `${r.completed} | ${r.max_open} | ${r.wall_ms}`,
      }),
      long: (r) => ({ '1,000-step run: status | wall ms': `${r.status} | ${r.wall_ms}` }),
      concurrent: (r) => ({
        '1,000 concurrent runs: completed | lost | p50 | p95 | runs/s (Baton; CF Workflows)': `${r.completed} | ${r.lost} | ${r.p50_ms} | ${r.p95_ms} | ${r.runs_per_s}; ${r.cf_workflows.completed} | ${r.cf_workflows.lost} | ${r.cf_workflows.p50_ms} | ${r.cf_workflows.p95_ms} | ${r.cf_workflows.runs_per_s}`,
      }),
      email: (r) => ({ '200 emails: parse-to-start p50 ms': r.p50_parse_to_start_ms }),
      templates: (r) => ({
        'templates: 20 KB extra ms/run (400 | 40 expressions) | bombs wall ms (health max ms)': `${r.template_20kb_extra_ms} | ${r.sparse_40_expressions_extra_ms} | ${Object.entries(
          r.bombs,
        )
          .map(([n, b]) => `${n} ${b.status} ${b.wall_ms} (${b.health_max_ms})`)
          .join(', ')}`,
      }),
      tools: (r) => ({
        [`${TOOL_CALLS} tool calls: ms (Baton | in-process) | overhead ms/call | ratio`]: `${r.baton_ms} | ${r.inprocess_ms} | ${r.overhead_ms_per_tool_call} | ${r.ratio}`,
      }),
      flow_overhead: (r) => ({
        'flow control overhead, 50 steps: ms (plain | concurrency+throttle) | ratio': `${r.plain_ms} | ${r.flow_ms} | ${r.ratio}`,
      }),
      scaling: (r) => ({
        'scaling (steps: ms, ms/step)': r.map((s) => `${s.steps}: ${s.ms}, ${s.ms_per_step}`).join('; '),
      }),
    };
    console.table(
      Object.assign(
        {},
        ...Object.keys(scenarios)
          .filter((n) => results[n])
          .map((n) => rows[n](results[n])),
      ),
    );
    const file = join(root, 'bench', 'results.json');
    if (only && merge) {
      const kept = JSON.parse(readFileSync(file, 'utf8'));
      for (const name of Object.keys(scenarios).filter((n) => results[n]))
        kept[name] = Array.isArray(results[name]) ? results[name] : { ...results[name], machine };
      writeResults(file, kept);
      console.log(`agent calls served: ${agentCalls}; BENCH_MERGE set, ${[...only].join(', ')} merged into ${file}`);
    } else if (only)
      console.log(`agent calls served: ${agentCalls}; BENCH_ONLY set, bench/results.json left as it was`);
    else {
      writeResults(file, results);
      console.log(`agent calls served: ${agentCalls}; results in bench/results.json`);
    }
  } finally {
    dev.kill('SIGTERM');
    agents.close();
  }
}

/** Writes results.json as the linter formats it (biome keeps short number lists on one line). */
function writeResults(file, results) {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  spawnSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', file], { cwd: root, stdio: 'ignore' });
}

function round(x) {
  return Math.round(x * 100) / 100;
}

await main();
